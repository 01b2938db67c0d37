"""Deploy checks for email: settings that would make every message fail silently.

`manage.py check --deploy` reports them; CI runs it with production-like env.
"""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.compatibility, deploy=True)
def check_mail_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if not settings.SENDGRID_API_KEY:
        return []  # The demo writes .eml files; nothing to check.
    found: list[checks.CheckMessage] = []
    domain = settings.DEFAULT_FROM_EMAIL.rstrip(">").rpartition("@")[2]
    if "." not in domain:
        found.append(
            checks.Warning(
                f"DEFAULT_FROM_EMAIL ({settings.DEFAULT_FROM_EMAIL}) has no real "
                "domain: SendGrid refuses such a sender and every email fails.",
                hint="Set DEFAULT_FROM_EMAIL to a sender verified in SendGrid.",
                id="notifications.W001",
            )
        )
    if not settings.SENDGRID_WEBHOOK_PUBLIC_KEY:
        found.append(
            checks.Warning(
                "SENDGRID_WEBHOOK_PUBLIC_KEY is empty: /webhooks/sendgrid/ refuses "
                "every event, so bounces and spam reports are never suppressed.",
                hint="Turn on SendGrid's Signed Event Webhook and copy its key.",
                id="notifications.W002",
            )
        )
    return found
