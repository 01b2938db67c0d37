"""Who receives what: mailing audiences, and queueing owner mailings."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from events.models import Event, Rsvp
from groups.models import Group, Membership
from notifications import email
from notifications.models import Delivery
from notifications.outbox import To

from .models import Mailing

# Keyed by Mailing.Audience, which compares and hashes as its string value.
RSVP_AUDIENCES: dict[str, str] = {
    Mailing.Audience.ATTENDING: Rsvp.Status.ATTENDING,
    Mailing.Audience.NOT_ATTENDING: Rsvp.Status.NOT_ATTENDING,
    Mailing.Audience.WAITLISTED: Rsvp.Status.WAITLISTED,
}


def audience_queryset(
    *, group: Group, audience: str, event: Event | None = None
) -> QuerySet[Membership, tuple[str, int]]:
    """(email, user id) rows of the group's current members in the audience.

    Only current members: someone who left keeps nothing, not even an old reply.
    "Not replied" means a member with no reply row for the event.
    """
    members = Membership.objects.filter(group=group, user__is_active=True)
    if audience == Mailing.Audience.MEMBERS:
        pass
    elif audience == Mailing.Audience.NOT_REPLIED:
        members = members.exclude(user__rsvps__event=event)
    else:
        members = members.filter(
            user__rsvps__event=event, user__rsvps__status=RSVP_AUDIENCES[audience]
        )
    return members.order_by("user_id").values_list("user__email", "user_id")


def audience_count(*, group: Group, audience: str, event: Event | None = None) -> int:
    return audience_queryset(group=group, audience=audience, event=event).count()


def mailing_queue(*, mailing: Mailing) -> bool:
    """Freeze the recipient list and put the mailing in the outbox, exactly once.

    The draft's row is locked first, so of several simultaneous sends (a double
    click, two tabs) one queues it and the others find it queued. Returns
    whether this call queued it; `mailing` is updated either way.
    Side effects: a Message with one Delivery per recipient; the sender command
    delivers them.
    """
    with transaction.atomic():
        locked = Mailing.objects.select_for_update().get(pk=mailing.pk)
        if locked.queued_at is not None:
            mailing.refresh_from_db()
            return False
        rows = audience_queryset(
            group=mailing.group, audience=mailing.audience, event=mailing.event
        ).iterator(chunk_size=5000)
        message = email.send_bulk_message(
            mailing=mailing, recipients=(To(e, uid) for e, uid in rows)
        )
        mailing.message = message
        mailing.recipient_count = message.deliveries.count()
        mailing.queued_at = timezone.now()
        mailing.save()
    return True


def mailing_history(*, group: Group) -> list[Mailing]:
    """The group's mailings with delivery counts per status, in one query."""
    return list(
        _with_counts(Mailing.objects.filter(group=group, queued_at__isnull=False))
        .select_related("author", "event")
        .order_by("-queued_at", "-pk")
    )


def _with_counts(mailings: QuerySet[Mailing]) -> QuerySet[Mailing]:
    """`n_pending`, `n_sending`, `n_sent`, `n_failed`, `n_suppressed` on each."""
    statuses = Delivery.Status
    counts = {
        f"n_{status}": Count(
            "message__deliveries", filter=Q(message__deliveries__status=status)
        )
        for status in (
            statuses.PENDING,
            statuses.SENT,
            statuses.FAILED,
            statuses.SUPPRESSED,
        )
    }
    counts["n_sending"] = Count(
        "message__deliveries", filter=Q(message__deliveries__status=statuses.SENDING)
    )
    return mailings.annotate(**counts)


def mailing_sent(*, group: Group, pk: int) -> Mailing | None:
    """One sent mailing of `group`, with its delivery counts; None if not sent."""
    sent = Mailing.objects.filter(group=group, pk=pk, queued_at__isnull=False)
    return _with_counts(sent).select_related("group", "author", "event").first()
