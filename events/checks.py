"""Deploy checks for calendar replies (events/inbound.py)."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.compatibility, deploy=True)
def check_reply_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if settings.INBOUND_EMAIL_DOMAIN and not settings.INBOUND_PARSE_SECRET:
        return [
            checks.Warning(
                "INBOUND_EMAIL_DOMAIN is set but INBOUND_PARSE_SECRET is empty: "
                "invitations ask for replies, and /webhooks/sendgrid/inbound/ "
                "answers 404 to every one.",
                hint="Set INBOUND_PARSE_SECRET and put it in the Inbound Parse "
                "URL (docs/deploy.md).",
                id="events.W001",
            )
        ]
    return []
