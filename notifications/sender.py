"""Delivering the outbox: claim a batch, send it, record the outcome.

A batch is up to `batch_size` pending deliveries of one message (one SendGrid
request with one personalization per recipient). Rows are claimed with
`SELECT ... FOR UPDATE SKIP LOCKED` and marked `sending` in a short transaction,
so several workers on several machines never take the same row; the result of
the request is written in a second transaction. Outcomes:

- sent: rows become `sent` with SendGrid's message id.
- retry (429, 503, connection refused): back to `pending` after a delay
  (X-RateLimit-Reset for 429, else exponential backoff with jitter).
- failed (400, 401, 403, ...): `failed` with the error; never retried.
- split (413): the batch is halved and each half sent on its own.
- unknown (500, 502, 504, timeouts): SendGrid may have sent it. The rows are
  retried once after a delay, and fail for good if that is unknown too.

A worker that dies after claiming leaves rows in `sending`; after the lease they
count as an unknown outcome (see `recover_stale`).
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from . import sendgrid_api
from .models import Delivery, Message, Suppression
from .unsubscribe import unsubscribe_headers, unsubscribe_url

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=10)
UNKNOWN_RETRY_DELAY = timedelta(minutes=5)
_rng = random.Random()


@dataclass
class Tally:
    sent: int = 0
    failed: int = 0
    suppressed: int = 0
    retrying: int = 0
    requests: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.sent += other.sent
        self.failed += other.failed
        self.suppressed += other.suppressed
        self.retrying += other.retrying
        self.requests += other.requests
        self.errors.extend(other.errors)


def pending_count() -> int:
    return Delivery.objects.filter(status=Delivery.Status.PENDING).count()


def claim(*, batch_size: int, message_id: int | None = None) -> list[Delivery]:
    """Take up to `batch_size` due deliveries of one message and mark them sending."""
    now = timezone.now()
    with transaction.atomic():
        due = Delivery.objects.filter(
            status=Delivery.Status.PENDING, next_attempt_at__lte=now
        )
        if message_id is None:
            head = (
                due.select_for_update(skip_locked=True)
                .order_by("next_attempt_at", "pk")
                .values_list("message_id", flat=True)
                .first()
            )
            if head is None:
                return []
            message_id = head
        rows = list(
            due.filter(message_id=message_id)
            .select_for_update(skip_locked=True)
            .order_by("pk")[:batch_size]
        )
        if not rows:
            return []
        ids = [row.pk for row in rows]
        Delivery.objects.filter(pk__in=ids).update(
            status=Delivery.Status.SENDING,
            claimed_at=now,
            attempts=F("attempts") + 1,
        )
    for row in rows:
        row.status = Delivery.Status.SENDING
        row.attempts += 1
    return rows


def send_batch(rows: list[Delivery]) -> Tally:
    """Send claimed rows of one message and record what happened."""
    if not rows:
        return Tally()
    message = Message.objects.get(pk=rows[0].message_id)
    tally = Tally()
    if not message.transactional:
        suppressed = set(
            Suppression.objects.filter(email__in=[r.email for r in rows]).values_list(
                "email", flat=True
            )
        )
        if suppressed:
            _finish(
                [r for r in rows if r.email in suppressed],
                status=Delivery.Status.SUPPRESSED,
                error="address suppressed after queueing",
            )
            tally.suppressed += len(suppressed)
            rows = [r for r in rows if r.email not in suppressed]
    if not rows:
        return tally
    if settings.SENDGRID_API_KEY:
        tally.add(_send_sendgrid(message, rows))
    else:
        tally.add(_send_django(message, rows))
    return tally


def deliver_message_now(message_id: int) -> Tally:
    """Try a fresh message at once (sign-in links); the command retries leftovers."""
    tally = Tally()
    try:
        while rows := claim(batch_size=1000, message_id=message_id):
            tally.add(send_batch(rows))
    except Exception:  # the worker will pick it up; the person's page must not fail
        logger.exception("Immediate delivery of message %s failed", message_id)
    return tally


def recover_stale() -> int:
    """Rows left `sending` by a worker that died: treat as an unknown outcome."""
    cutoff = timezone.now() - LEASE
    stale = Delivery.objects.filter(
        status=Delivery.Status.SENDING, claimed_at__lt=cutoff
    )
    failed = stale.filter(unknown_outcome=True).update(
        status=Delivery.Status.FAILED,
        last_error="outcome unknown twice (worker stopped while sending); "
        "not retried to avoid a duplicate",
    )
    retried = stale.filter(unknown_outcome=False).update(
        status=Delivery.Status.PENDING,
        unknown_outcome=True,
        next_attempt_at=timezone.now() + UNKNOWN_RETRY_DELAY,
        last_error="worker stopped while sending; retrying once",
    )
    return failed + retried


# --- transports ---------------------------------------------------------------


def _send_sendgrid(message: Message, rows: list[Delivery]) -> Tally:
    payload = sendgrid_api.build_payload(
        from_email=_from_address(),
        from_name=_from_name(),
        reply_to=settings.REPLY_TO_EMAIL,
        subject=message.subject,
        text=message.text,
        html=message.html,
        personalizations=[
            sendgrid_api.Recipient(
                email=row.email,
                delivery_id=str(row.pk),
                unsubscribe_url="" if message.transactional else unsubscribe_url(row),
            )
            for row in rows
        ],
        categories=[message.kind],
        calendar=message.calendar,
        calendar_method=message.calendar_method or "REQUEST",
    )
    outcome = sendgrid_api.send(
        payload,
        api_key=settings.SENDGRID_API_KEY,
        host=settings.SENDGRID_API_HOST,
        timeout=settings.SENDGRID_TIMEOUT,
        attempt=max(r.attempts for r in rows) - 1,
        rng=_rng,
    )
    tally = Tally(requests=1)
    status = outcome.status
    if status == sendgrid_api.Status.SENT:
        _finish(rows, status=Delivery.Status.SENT, provider_id=outcome.message_id or "")
        tally.sent += len(rows)
    elif status == sendgrid_api.Status.SPLIT and len(rows) > 1:
        half = len(rows) // 2
        for part in (rows[:half], rows[half:]):
            tally.add(_send_sendgrid(message, part))
    elif status == sendgrid_api.Status.RETRY:
        tally.add(_retry_later(rows, delay=outcome.retry_after, error=outcome.error))
    elif status == sendgrid_api.Status.UNKNOWN:
        tally.add(_unknown(rows, error=outcome.error))
    else:  # FAILED, or SPLIT of a single message that is too large on its own
        _finish(rows, status=Delivery.Status.FAILED, error=outcome.error or "refused")
        tally.failed += len(rows)
        tally.errors.append(outcome.error)
    return tally


def _send_django(message: Message, rows: list[Delivery]) -> Tally:
    """Without an API key: one email per row through the configured mailer."""
    tally = Tally()
    for row in rows:
        url = "" if message.transactional else unsubscribe_url(row)
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.text.replace(sendgrid_api.UNSUBSCRIBE_TOKEN, url),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[row.email],
            reply_to=[settings.REPLY_TO_EMAIL] if settings.REPLY_TO_EMAIL else None,
            headers={
                "X-Meetings-Kind": message.kind,
                "X-Meetings-Delivery": str(row.pk),
                **({} if message.transactional else unsubscribe_headers(url)),
            },
        )
        email.attach_alternative(
            message.html.replace(sendgrid_api.UNSUBSCRIBE_TOKEN, url), "text/html"
        )
        if message.calendar:
            email.attach_alternative(
                message.calendar, f"text/calendar; method={message.calendar_method}"
            )
            email.attach("invite.ics", message.calendar, "application/ics")
        try:
            email.send()
        except Exception as error:  # any mailer failure: try again later
            logger.warning("Sending delivery %s failed: %s", row.pk, error)
            tally.add(_retry_later([row], delay=None, error=str(error)))
        else:
            _finish([row], status=Delivery.Status.SENT)
            tally.sent += 1
    return tally


# --- recording outcomes --------------------------------------------------------


def _finish(rows, *, status: str, error: str = "", provider_id: str = "") -> None:
    Delivery.objects.filter(pk__in=[r.pk for r in rows]).update(
        status=status,
        sent_at=timezone.now() if status == Delivery.Status.SENT else None,
        last_error=error[:2000],
        provider_message_id=provider_id,
    )


def _retry_later(rows, *, delay: float | None, error: str) -> Tally:
    tally = Tally()
    give_up = [r for r in rows if r.attempts >= MAX_ATTEMPTS]
    again = [r for r in rows if r.attempts < MAX_ATTEMPTS]
    if give_up:
        _finish(give_up, status=Delivery.Status.FAILED, error=f"gave up: {error}")
        tally.failed += len(give_up)
    if again:
        attempt = max(r.attempts for r in again)
        wait = (
            delay
            if delay is not None
            else sendgrid_api.backoff(attempt, base=2.0, cap=600.0, rng=_rng)
        )
        Delivery.objects.filter(pk__in=[r.pk for r in again]).update(
            status=Delivery.Status.PENDING,
            next_attempt_at=timezone.now() + timedelta(seconds=wait),
            last_error=error[:2000],
        )
        tally.retrying += len(again)
    return tally


def _unknown(rows, *, error: str) -> Tally:
    tally = Tally()
    twice = [r for r in rows if r.unknown_outcome]
    once = [r for r in rows if not r.unknown_outcome]
    if twice:
        _finish(
            twice,
            status=Delivery.Status.FAILED,
            error=f"outcome unknown twice, not retried to avoid a duplicate: {error}",
        )
        tally.failed += len(twice)
    if once:
        Delivery.objects.filter(pk__in=[r.pk for r in once]).update(
            status=Delivery.Status.PENDING,
            unknown_outcome=True,
            next_attempt_at=timezone.now() + UNKNOWN_RETRY_DELAY,
            last_error=f"outcome unknown, retrying once: {error}"[:2000],
        )
        tally.retrying += len(once)
    return tally


def _from_address() -> str:
    value = settings.DEFAULT_FROM_EMAIL
    return value.split("<", 1)[1].rstrip(">").strip() if "<" in value else value


def _from_name() -> str:
    value = settings.DEFAULT_FROM_EMAIL
    return value.split("<", 1)[0].strip().strip('"') if "<" in value else ""
