"""Putting email into the outbox. Every email goes through `queue`.

`queue` writes a Message and its Delivery rows inside the caller's transaction.
Addresses that are suppressed (bounces, spam reports) or that opted out of the
topic for the group get a `suppressed` row instead of a pending one, so history
shows them and the sender never mails them. Transactional messages (sign-in
links) ignore both, and are also attempted right after commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from .models import Delivery, Message, OptOut, Suppression

BULK_CHUNK = 5000


@dataclass(frozen=True)
class To:
    email: str
    user_id: int | None = None


def queue(
    *,
    kind: str,
    subject: str,
    text: str,
    html: str,
    recipients: Iterable[To],
    group=None,
    topic: str = "",
    transactional: bool = False,
    calendar: str = "",
    calendar_method: str = "",
) -> Message:
    """Store one message for many recipients; returns the Message.

    Side effects: Message and Delivery rows; for transactional mail, a delivery
    attempt once the surrounding transaction commits.
    """
    message = Message.objects.create(
        kind=kind,
        transactional=transactional,
        group=group,
        topic=topic,
        subject=subject,
        text=text,
        html=html,
        calendar=calendar,
        calendar_method=calendar_method,
    )
    unique: dict[str, To] = {}
    for to in recipients:
        unique.setdefault(to.email.lower(), to)
    blocked = set() if transactional else _blocked(unique, group=group, topic=topic)
    rows = [
        Delivery(
            message=message,
            email=email,
            user_id=to.user_id,
            status=Delivery.Status.SUPPRESSED
            if email in blocked
            else Delivery.Status.PENDING,
        )
        for email, to in unique.items()
    ]
    Delivery.objects.bulk_create(rows, batch_size=BULK_CHUNK)
    if transactional:
        transaction.on_commit(lambda: _deliver_now(message.pk))
    return message


def _blocked(unique: dict[str, To], *, group, topic: str) -> set[str]:
    emails = list(unique)
    blocked: set[str] = set()
    for start in range(0, len(emails), BULK_CHUNK):
        chunk = emails[start : start + BULK_CHUNK]
        blocked.update(
            Suppression.objects.filter(email__in=chunk).values_list("email", flat=True)
        )
    if group is not None and topic:
        user_ids = {to.user_id for to in unique.values() if to.user_id}
        opted = set(
            OptOut.objects.filter(
                group=group, topic=topic, user_id__in=user_ids
            ).values_list("user_id", flat=True)
        )
        blocked.update(e for e, to in unique.items() if to.user_id in opted)
    return blocked


def _deliver_now(message_id: int) -> None:
    # Imported here: the sender needs settings and the network, queueing does not.
    from .sender import deliver_message_now

    deliver_message_now(message_id)
