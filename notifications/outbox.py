"""Putting email into the outbox. Every email goes through `queue`.

`queue` writes a Message and its Delivery rows inside the caller's transaction.
Addresses that are suppressed (bounces, spam reports) or that opted out of the
topic for the group get a `suppressed` row instead of a pending one, so history
shows them and the sender never mails them. Transactional messages (sign-in
links) ignore both, and are also attempted right after commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, Field, Model, OuterRef

from . import sealing
from .models import Delivery, Message, OptOut, Suppression

BULK_CHUNK = 5000
# Messages carry their bodies, so fewer go into one INSERT than deliveries.
MESSAGE_CHUNK = 200


@dataclass(frozen=True)
class To:
    email: str
    user_id: int | None = None
    # The account's language (accounts.User.language): the email is written
    # in it (notifications.email.by_language); "" for LANGUAGE_CODE.
    language: str = ""


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
    secret: str = "",
    from_email: str = "",
) -> Message:
    """Store one message for many recipients; returns the Message.

    `secret` is what the placeholder (`sealing.PLACEHOLDER`) in the bodies or
    the calendar stands for, in mail to one person: a link only they may
    read, or a calendar naming their reply address. It is stored sealed,
    never in clear.

    Side effects: Message and Delivery rows; for transactional mail, a delivery
    attempt once the surrounding transaction commits.
    """
    message = Message.objects.create(
        kind=kind,
        transactional=transactional,
        group=group,
        topic=topic,
        from_email=from_email,
        subject=subject,
        text=text,
        html=html,
        calendar=calendar,
        calendar_method=calendar_method,
        secret=sealing.seal(secret) if secret else "",
    )
    _insert_deliveries(message.pk, _unique(recipients))
    if not transactional:
        _suppress_blocked([message.pk], group=group, topic=topic)
        pending = message.deliveries.filter(status=Delivery.Status.PENDING)
        if secret and not pending.exists():
            # Nobody will be sent the link: do not keep it, even sealed.
            Message.objects.filter(pk=message.pk).update(secret="")
    if transactional:
        transaction.on_commit(lambda: _deliver_now(message.pk))
    return message


def queue_each(
    *,
    kind: str,
    subject: str,
    text: str,
    html: str,
    calendars: Sequence[tuple[To, str, str]],
    calendar_method: str,
    group=None,
    topic: str = "",
) -> list[Message]:
    """One message per (recipient, calendar, secret), for calendars naming them.

    The sender batches the deliveries of one message into one SendGrid request,
    whose calendar part all its recipients share (sendgrid_api), so a calendar
    with a person's ATTENDEE line must be a message of its own, or everyone in
    the batch would read that person's address. The bodies are the same for
    all; `secret` is as in `queue`. A second entry for an address already
    queued is dropped.

    Side effects: the Message and Delivery rows: one INSERT per
    `MESSAGE_CHUNK` messages, one for their deliveries, and the two
    suppression UPDATEs of `queue` for them all.
    """
    unique: dict[str, tuple[To, str, str]] = {}
    for to, ics, secret in calendars:
        unique.setdefault(to.email.lower(), (to, ics, secret))
    messages = Message.objects.bulk_create(
        (
            Message(
                kind=kind,
                group=group,
                topic=topic,
                subject=subject,
                text=text,
                html=html,
                calendar=ics,
                calendar_method=calendar_method,
                secret=sealing.seal(secret) if secret else "",
            )
            for to, ics, secret in unique.values()
        ),
        batch_size=MESSAGE_CHUNK,
    )
    Delivery.objects.bulk_create(
        (
            Delivery(message=message, email=email, user_id=to.user_id)
            for message, (email, (to, _, _)) in zip(
                messages, unique.items(), strict=True
            )
        ),
        batch_size=BULK_CHUNK,
    )
    _suppress_blocked([m.pk for m in messages], group=group, topic=topic)
    return messages


@dataclass(frozen=True)
class Outgoing:
    """One non-transactional message for `queue_many`, as `queue` takes it."""

    kind: str
    subject: str
    text: str
    html: str
    recipients: Sequence[To]
    group: Any = None
    topic: str = ""
    calendar: str = ""
    calendar_method: str = ""


def queue_many(outgoing: Sequence[Outgoing]) -> list[Message]:
    """Store many messages, each with its own recipients; returns the Messages.

    The rows `queue` writes for each (a Message, a Delivery per address,
    `suppressed` for suppressed addresses and topic opt-outs), in a fixed
    number of queries however many there are: on PostgreSQL one to reserve the
    ids, a COPY of the messages, a COPY of the deliveries and two UPDATEs. A
    weekly roulette run writes one message per person, which `queue` would
    take four queries each for.

    Side effects: Message and Delivery rows.
    """
    messages = [
        Message(
            kind=item.kind,
            group=item.group,
            topic=item.topic,
            subject=item.subject,
            text=item.text,
            html=item.html,
            calendar=item.calendar,
            calendar_method=item.calendar_method,
        )
        for item in outgoing
    ]
    if not messages:
        return []
    if connection.vendor == "postgresql":
        table = Message._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                "FROM generate_series(1, %s)",
                [table, len(messages)],
            )
            for message, (pk,) in zip(messages, cursor.fetchall(), strict=True):
                message.pk = pk
        _copy(Message, [_row(m, with_pk=True) for m in messages], with_pk=True)
    else:
        Message.objects.bulk_create(messages, batch_size=BULK_CHUNK)
    deliveries: list[tuple[int, str, int | None]] = []
    for message, item in zip(messages, outgoing, strict=True):
        deliveries += [
            (message.pk, email, to.user_id)
            for email, to in _unique(item.recipients).items()
        ]
    _insert_delivery_rows(deliveries)
    _suppress_blocked_many([message.pk for message in messages])
    return messages


def _unique(recipients: Iterable[To]) -> dict[str, To]:
    unique: dict[str, To] = {}
    for to in recipients:
        unique.setdefault(to.email.lower(), to)
    return unique


def _insert_deliveries(message_id: int, unique: dict[str, To]) -> None:
    _insert_delivery_rows(
        [(message_id, email, to.user_id) for email, to in unique.items()]
    )


def _insert_delivery_rows(rows: list[tuple[int, str, int | None]]) -> None:
    """One pending Delivery per (message id, address, user id).

    On PostgreSQL through COPY: a 100,000-member mailing is queued inside the
    owner's web request, and bulk_create spends most of that time building
    SQL. Every other column gets the model's default, taken from one template
    row, so a field added later with a default needs no change here.
    """
    if connection.vendor != "postgresql":
        Delivery.objects.bulk_create(
            (
                Delivery(message_id=message_id, email=email, user_id=user_id)
                for message_id, email, user_id in rows
            ),
            batch_size=BULK_CHUNK,
        )
        return
    template = _row(Delivery())
    names = [f.name for f in _columns(Delivery, with_pk=False)]
    message_at, email_at, user_at = map(names.index, ("message", "email", "user"))

    def filled() -> Iterator[list]:
        for message_id, email, user_id in rows:
            row = list(template)
            row[message_at], row[email_at], row[user_at] = message_id, email, user_id
            yield row

    _copy(Delivery, filled(), with_pk=False)


def _columns(model: type[Model], *, with_pk: bool) -> list[Field]:
    return [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]


def _row(obj: Model, *, with_pk: bool = False) -> list:
    """The database values of ``obj``'s columns, in `_columns` order."""
    return [
        f.get_db_prep_save(getattr(obj, f.attname), connection)
        for f in _columns(type(obj), with_pk=with_pk)
    ]


def _copy(model: type[Model], rows: Iterable[list], *, with_pk: bool) -> None:
    fields = _columns(model, with_pk=with_pk)
    # A concrete field always has a column; the stubs type it for every field.
    columns = ", ".join(
        connection.ops.quote_name(f.column)  # type: ignore[arg-type]
        for f in fields
    )
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _suppress_blocked(message_ids: list[int], *, group, topic: str) -> None:
    """Suppressed addresses, and people who opted out of the topic, get no mail.

    Two UPDATEs joined in the database, touching only the rows they block.
    """
    rows = Delivery.objects.filter(
        message_id__in=message_ids, status=Delivery.Status.PENDING
    )
    rows.filter(email__in=Suppression.objects.values("email")).update(
        status=Delivery.Status.SUPPRESSED
    )
    if group is not None and topic:
        opted_out = OptOut.objects.filter(group=group, topic=topic).values("user_id")
        rows.filter(user_id__in=opted_out).update(status=Delivery.Status.SUPPRESSED)


def not_emailed(emails: Iterable[str]) -> dict[str, str]:
    """The suppressed addresses among `emails`, each with why it gets no email.

    For a sender who typed addresses in (a poll's organiser): such an address
    gets sign-in links it asks for, and nothing else.
    """
    rows = Suppression.objects.filter(email__in={e.lower() for e in emails})
    return {
        email: Suppression.why_not_emailed(reason)
        for email, reason in rows.values_list("email", "reason")
    }


def _suppress_blocked_many(message_ids: list[int]) -> None:
    """`_suppress_blocked` for many messages, whatever their groups and topics."""
    rows = Delivery.objects.filter(
        message_id__in=message_ids, status=Delivery.Status.PENDING
    )
    rows.filter(email__in=Suppression.objects.values("email")).update(
        status=Delivery.Status.SUPPRESSED
    )
    opted_out = OptOut.objects.filter(
        user_id=OuterRef("user_id"),
        group_id=OuterRef("message__group_id"),
        topic=OuterRef("message__topic"),
    )
    rows.filter(Exists(opted_out)).update(status=Delivery.Status.SUPPRESSED)


def _deliver_now(message_id: int) -> None:
    # Imported here: the sender needs settings and the network, queueing does not.
    from .sender import deliver_message_now

    deliver_message_now(message_id)
