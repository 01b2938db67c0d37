"""The outbox's part of `manage.py housekeeping` (see core.housekeeping)."""

from django.db import transaction

from core.housekeeping import Step

from .models import Delivery, Message


def steps(*, now, cutoff) -> list[Step]:
    """The text, HTML and calendar bodies of messages created before `cutoff`
    whose every delivery is settled (sent, failed or suppressed). Message and
    Delivery rows stay, so counts and history do."""
    unsettled = Delivery.objects.filter(
        status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING]
    ).values("message_id")
    bodies = (
        Message.objects.filter(created_at__lt=cutoff)
        .exclude(pk__in=unsettled)
        .exclude(text="", html="", calendar="")
    )

    def blank() -> int:
        with transaction.atomic():
            return bodies.update(text="", html="", calendar="")

    return [Step("message_bodies", bodies.count, blank)]
