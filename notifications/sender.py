"""Delivering the outbox: claim a batch, send it, record the outcome.

A batch is up to `MAX_BATCH` due deliveries of one message: one SendGrid request
with one personalization per recipient. Rows are locked with
`FOR UPDATE SKIP LOCKED` and marked `sending` (or `suppressed`, if they were
suppressed or opted out since queueing), so several workers on several
machines never take the same row; the result of the request is written in one
UPDATE per outcome, committed at once. On PostgreSQL a batch is two database
round trips, whatever its size: the claim, which returns the rows with their
message, and the result. `Drain`, which the command runs, claims the next batch
on a second connection while the current one is sent. Outcomes:

- sent: rows become `sent` with SendGrid's message id.
- retry (429, 503, connection refused): back to `pending`, due again after
  X-RateLimit-Reset (429) or exponential backoff with jitter. SendGrid did not
  take the request, so resending cannot duplicate anything; the worker pauses
  until then (`Tally.pause_until`) instead of hammering the API. A 429 does not
  count as an attempt. Rows still undelivered `GIVE_UP_AFTER` after they were
  queued fail.
- failed (400, 401, 403): `failed` with SendGrid's error; never retried. A
  rejected API key (401, 403) also pauses the worker for `AUTH_PAUSE`, so a bad
  key fails one batch, not the whole queue. A 400 about some recipients fails
  only those: the ones its error names, or the ones `isolation.Search` singles
  out by resending parts of the batch; the rest are sent (`_isolate`).
- split (413): the batch is halved and each half sent on its own.
- unknown (500, 502, 504, timeouts): SendGrid may have sent it. The rows are
  retried once after `UNKNOWN_RETRY_DELAY` (with the webhook: after the
  reconciliation window, unless its events settled them), and fail for good if that is
  unknown too. The worker pauses, as for a retry.

Leases: `claimed_at` is both the time of the claim and the claim's identity.
A worker writes outcomes only to rows still `sending` with its own
`claimed_at`, and renews the lease before a request once a third of `LEASE`
has passed. Rows left `sending` by a worker that died are taken back by
`recover_stale` once their lease has run out, as an unknown outcome (the
request may have gone out before the worker died). That includes a batch a
`Drain` had claimed ahead and not sent yet: it gets sent once, after the
lease (or the reconciliation window), but its one retry is used up.
"""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import close_old_connections, connections, transaction
from django.db import connection as database
from django.db.models import Exists, F, Min, OuterRef, Q
from django.utils import timezone

from . import isolation, sealing, sendgrid_api
from .models import Delivery, Message, OptOut, Suppression
from .unsubscribe import unsubscribe_headers, unsubscribe_url, unsubscribe_urls

logger = logging.getLogger(__name__)

MAX_BATCH = sendgrid_api.MAX_RECIPIENTS
LEASE = timedelta(minutes=5)
UNKNOWN_RETRY_DELAY = timedelta(minutes=5)
GIVE_UP_AFTER = timedelta(hours=24)
AUTH_PAUSE = timedelta(minutes=10)
# A 429 whose reset lies in the past, or a zero backoff, must not turn into a
# tight loop of requests.
MIN_RETRY_SECONDS = 1.0
# What sending needs from a claimed row; the rest stays in the database.
CLAIMED_FIELDS = (
    "pk",
    "message_id",
    "user_id",
    "email",
    "attempts",
    "unknown_outcome",
    "created_at",
)
# Their columns, for the claim's SQL.
CLAIMED_COLUMNS = (
    "id",
    "message_id",
    "user_id",
    "email",
    "attempts",
    "unknown_outcome",
    "created_at",
)
_rng = random.Random()


@dataclass
class Claimed:
    """A delivery this worker claimed: the fields of CLAIMED_FIELDS and the lease.

    Plain objects rather than model instances: building 1,000 Delivery
    instances (deferred fields and all) took four times as long as reading
    the rows.
    """

    pk: int
    message_id: int
    user_id: int | None
    email: str
    attempts: int
    unknown_outcome: bool
    created_at: datetime
    claimed_at: datetime


@dataclass
class Batch:
    """What one claim took: rows of one message to send, and rows it settled.

    `rows` are `sending` under this worker's lease. `suppressed` counts the
    rows the claim marked `suppressed` instead. `message` is None only when
    nothing was due. `body` is the SendGrid request for `rows`, when it was
    built ahead of time (`prepare`).
    """

    message: Message | None = None
    rows: list[Claimed] = field(default_factory=list)
    suppressed: int = 0
    body: bytes | None = None

    def __bool__(self) -> bool:
        return bool(self.rows) or self.suppressed > 0

    @property
    def taken(self) -> int:
        """Rows the claim took: to send or settled."""
        return len(self.rows) + self.suppressed

    def prepare(self) -> None:
        """Build the SendGrid request now, if there is one to build yet.

        A sealed link is put back into the bodies only when they are sent.
        """
        message = self.message
        if self.rows and message and not message.secret and settings.SENDGRID_API_KEY:
            self.body = sendgrid_api.encode(_payload(message, self.rows))


@dataclass
class Tally:
    sent: int = 0
    failed: int = 0
    suppressed: int = 0
    retrying: int = 0
    requests: int = 0
    errors: list[str] = field(default_factory=list)
    # Set when SendGrid asked us to stop for a while (rate limit, outage,
    # rejected key): no request should go out before then.
    pause_until: datetime | None = None
    pause_reason: str = ""

    @property
    def handled(self) -> int:
        return self.sent + self.failed + self.suppressed + self.retrying

    def pause(self, until: datetime, reason: str) -> None:
        if self.pause_until is None or until > self.pause_until:
            self.pause_until, self.pause_reason = until, reason

    def add(self, other: Tally) -> None:
        self.sent += other.sent
        self.failed += other.failed
        self.suppressed += other.suppressed
        self.retrying += other.retrying
        self.requests += other.requests
        self.errors.extend(other.errors)
        if other.pause_until is not None:
            self.pause(other.pause_until, other.pause_reason)


def pending_count() -> int:
    return Delivery.objects.filter(status=Delivery.Status.PENDING).count()


def next_due() -> datetime | None:
    """When the earliest pending delivery is due (None: nothing pending)."""
    pending = Delivery.objects.filter(status=Delivery.Status.PENDING)
    return pending.aggregate(at=Min("next_attempt_at"))["at"]


def claim(*, batch_size: int = MAX_BATCH, message_id: int | None = None) -> Batch:
    """Take up to `batch_size` due deliveries of one message and mark them sending.

    Returns them with their message (an empty Batch when nothing is due).
    Rows that are pending but scheduled for later are never taken. Rows whose
    address was suppressed, or whose person opted out of the message's group
    and topic, since queueing become `suppressed` instead (transactional mail
    ignores both): checked as the rows are taken, right before they are sent.
    On PostgreSQL all of it is one statement (`_CLAIM_SQL`).
    """
    now = timezone.now()
    if database.vendor == "postgresql":
        return _claim_in_one_statement(now, batch_size, message_id)
    return _claim_in_steps(now, batch_size, message_id)


SUPPRESSED_LATE = "suppressed or opted out after queueing"

# The claim as one round trip, in autocommit. `head` locks the earliest due row,
# which names the message (in the pending index's order: ties in time go to the
# older message); `picked` locks up to `size` due rows of that message, read
# in order from the same index. Both skip rows another sender has locked, so
# concurrent claims take different rows; a row another sender claimed
# meanwhile is re-checked after the lock and dropped, since it is no longer
# pending. `checked` looks each row up once in the suppressions and opt-outs
# (MATERIALIZED: inlined, the lookups ran once per use), `claimed` marks it,
# and the result carries the message on one row only, not 1,000 copies of its
# bodies. `claimed` finds its rows by `id = ANY(ARRAY(...))`, a scan of the
# primary key, and the blocked ones in a second array (usually empty): joined
# to `checked` instead, the planner hashed every row of the table for each
# batch (130 ms of 170 ms at 100,000 rows, EXPLAIN ANALYZE).
_CLAIM_SQL = """
WITH head AS (
    SELECT message_id FROM {delivery}
    WHERE status = %(pending)s AND next_attempt_at <= %(now)s {only_message}
    ORDER BY next_attempt_at, message_id
    LIMIT 1
    FOR UPDATE SKIP LOCKED
), picked AS MATERIALIZED (
    SELECT id, email, user_id FROM {delivery}
    WHERE status = %(pending)s AND next_attempt_at <= %(now)s
        AND message_id = (SELECT message_id FROM head)
    ORDER BY next_attempt_at, id
    LIMIT %(size)s
    FOR UPDATE SKIP LOCKED
), checked AS MATERIALIZED (
    SELECT p.id, NOT m.transactional AND (
        EXISTS (SELECT 1 FROM {suppression} s WHERE s.email = p.email)
        OR (
            m.group_id IS NOT NULL AND m.topic <> '' AND EXISTS (
                SELECT 1 FROM {optout} o
                WHERE o.user_id = p.user_id AND o.group_id = m.group_id
                    AND o.topic = m.topic
            )
        )
    ) AS blocked
    FROM picked p JOIN {message} m ON m.id = (SELECT message_id FROM head)
), claimed AS (
    UPDATE {delivery} d SET
        status = CASE WHEN d.id = ANY(ARRAY(SELECT id FROM checked WHERE blocked))
            THEN %(suppressed)s ELSE %(sending)s END,
        claimed_at = %(now)s,
        attempts = d.attempts + 1,
        last_error = CASE WHEN d.id = ANY(ARRAY(SELECT id FROM checked WHERE blocked))
            THEN %(why)s ELSE d.last_error END
    WHERE d.id = ANY(ARRAY(SELECT id FROM checked))
    RETURNING {returning}, d.next_attempt_at, d.status = %(suppressed)s AS blocked
)
SELECT {claimed}, c.blocked, {message_columns}
FROM claimed c LEFT JOIN {message} m
    ON m.id = c.message_id AND c.id = (SELECT min(id) FROM claimed)
ORDER BY c.next_attempt_at, c.id
"""


def _claim_in_one_statement(
    now: datetime, batch_size: int, message_id: int | None
) -> Batch:
    message_fields = Message._meta.concrete_fields
    sql = _CLAIM_SQL.format(
        delivery=Delivery._meta.db_table,
        message=Message._meta.db_table,
        suppression=Suppression._meta.db_table,
        optout=OptOut._meta.db_table,
        only_message="" if message_id is None else "AND message_id = %(message)s",
        returning=", ".join(f"d.{column}" for column in CLAIMED_COLUMNS),
        claimed=", ".join(f"c.{column}" for column in CLAIMED_COLUMNS),
        message_columns=", ".join(f"m.{f.column}" for f in message_fields),
    )
    params: dict[str, datetime | int | str | None] = {
        "now": now,
        "size": batch_size,
        "message": message_id,
        "pending": Delivery.Status.PENDING,
        "sending": Delivery.Status.SENDING,
        "suppressed": Delivery.Status.SUPPRESSED,
        "why": SUPPRESSED_LATE,
    }
    with database.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    batch = Batch()
    names = [f.attname for f in message_fields]
    for pk, message_pk, user, email, attempts, unknown, created, blocked, *m in found:
        if m[0] is not None:  # the row that carries the message
            batch.message = Message.from_db(database.alias, names, m)
        if blocked:
            batch.suppressed += 1
        else:
            row = Claimed(pk, message_pk, user, email, attempts, unknown, created, now)
            batch.rows.append(row)
    return batch


def _claim_in_steps(now: datetime, batch_size: int, message_id: int | None) -> Batch:
    """`claim` for databases without UPDATE ... RETURNING in a WITH (SQLite).

    The same rows in several queries; SQLite has one writer at a time, so
    there is no lock to skip.
    """
    with transaction.atomic():
        due = Delivery.objects.filter(
            status=Delivery.Status.PENDING, next_attempt_at__lte=now
        )
        if message_id is None:
            message_id = (
                due.select_for_update(skip_locked=True)
                .order_by("next_attempt_at", "pk")
                .values_list("message_id", flat=True)
                .first()
            )
            if message_id is None:
                return Batch()
        rows = [
            Claimed(pk, message, user, email, attempts, unknown, created, now)
            for pk, message, user, email, attempts, unknown, created in due.filter(
                message_id=message_id
            )
            .select_for_update(skip_locked=True)
            .order_by("next_attempt_at", "pk")
            .values_list(*CLAIMED_FIELDS)[:batch_size]
        ]
        if not rows:
            return Batch()
        Delivery.objects.filter(pk__any=[row.pk for row in rows]).update(
            status=Delivery.Status.SENDING,
            claimed_at=now,
            attempts=F("attempts") + 1,
        )
    for row in rows:
        row.attempts += 1
    message = Message.objects.get(pk=message_id)
    blocked = set() if message.transactional else _blocked_now(message, rows)
    if blocked:
        _finish(
            [r for r in rows if r.pk in blocked],
            status=Delivery.Status.SUPPRESSED,
            error=SUPPRESSED_LATE,
        )
    return Batch(message, [r for r in rows if r.pk not in blocked], len(blocked))


def send_batch(batch: Batch) -> Tally:
    """Send a claimed batch and record what happened.

    Side effects: one request to SendGrid (or one email per row through
    Django's mailer without an API key) and one UPDATE of the rows' status
    per outcome.
    """
    tally = Tally(suppressed=batch.suppressed)
    message, rows = batch.message, batch.rows
    if message is None:
        return tally
    if not rows:
        if message.secret:
            _forget_secret_when_settled(message)
        return tally
    if message.secret:
        try:
            message.text = sealing.put_back(message.text, message.secret)
            message.html = sealing.put_back(message.html, message.secret)
            message.calendar = sealing.put_back(message.calendar, message.secret)
        except sealing.Unsealable as error:
            _finish(rows, status=Delivery.Status.FAILED, error=str(error))
            tally.failed += len(rows)
            tally.errors.append(str(error))
            _forget_secret_when_settled(message)
            return tally
    if settings.SENDGRID_API_KEY:
        tally.add(_send_sendgrid(message, rows, body=batch.body))
    else:
        tally.add(_send_django(message, rows))
    if message.secret:
        _forget_secret_when_settled(message)
    return tally


class Drain:
    """Batch after batch, as `send_mail_queue` sends them.

    With ``ahead``, a helper thread claims the next batch, and builds its
    request, on its own database connection while this thread sends the
    current batch and records its outcome: the two halves of the database's
    work and SendGrid's then run at the same time instead of one after the
    other. The helper never sends anything. Rows claimed ahead are `sending`
    under this worker's lease like any others, checked against suppressions
    then, a batch before they are sent; `release` puts them back when the
    worker stops or pauses before sending them. There is no helper inside a
    transaction (tests calling the command: another connection could not see
    its rows) or on SQLite (one writer at a time: nothing to overlap).
    """

    def __init__(self) -> None:
        # The claim made ahead (an empty Batch: nothing was due when it looked).
        self._ahead: Future[Batch] | None = None
        self._helper: ThreadPoolExecutor | None = None

    def step(
        self, *, batch_size: int, room: int | None = None, ahead: bool = False
    ) -> Tally | None:
        """Send one batch; None when nothing was due.

        ``room``: how many more rows this run may take (None: no limit). A
        database error of the claim made ahead is raised here, before
        anything is sent.
        """
        if self._ahead is not None:
            batch = self._take_ahead()
        else:
            batch = claim(
                batch_size=batch_size if room is None else min(batch_size, room)
            )
        if not batch:
            return None
        left = batch_size if room is None else min(batch_size, room - batch.taken)
        if ahead and left > 0 and self._can_claim_ahead():
            self._ahead = self._start_helper().submit(_claim_ahead, left)
        return send_batch(batch)

    def release(self) -> Tally:
        """Put the rows claimed ahead back in the queue, as they were.

        Waits for a claim still running. Returns the rows that claim settled
        (suppressed), which count as handled. Side effect: one UPDATE, if
        there are rows to put back.
        """
        if self._ahead is None:
            return Tally()
        batch = self._take_ahead()
        if batch.rows:
            _update_ours(
                batch.rows,
                status=Delivery.Status.PENDING,
                attempts=F("attempts") - 1,
            )
        return Tally(suppressed=batch.suppressed)

    def close(self) -> Tally:
        """`release`, then stop the helper and close its database connection."""
        try:
            return self.release()
        finally:
            if self._helper is not None:
                self._helper.submit(connections.close_all).result()
                self._helper.shutdown()
                self._helper = None

    def _take_ahead(self) -> Batch:
        future, self._ahead = self._ahead, None
        assert future is not None
        return future.result()

    def _can_claim_ahead(self) -> bool:
        return database.vendor == "postgresql" and not database.in_atomic_block

    def _start_helper(self) -> ThreadPoolExecutor:
        if self._helper is None:
            self._helper = ThreadPoolExecutor(1, thread_name_prefix="claim-ahead")
        return self._helper


def _claim_ahead(batch_size: int) -> Batch:
    """`claim` and `Batch.prepare`, in the helper thread of a `Drain`."""
    # This thread's connection, as the command's loop does for its own.
    close_old_connections()
    batch = claim(batch_size=batch_size)
    try:
        batch.prepare()
    except Exception:  # noqa: BLE001
        # Building it again to send it raises the same error, where it did
        # before there was a helper; the rows are claimed and must go there.
        batch.body = None
    return batch


def _forget_secret_when_settled(message: Message) -> None:
    """Blank a sealed link once no delivery of its message may still send it."""
    unsettled = Delivery.objects.filter(
        message=OuterRef("pk"),
        status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING],
    )
    Message.objects.filter(pk=message.pk).exclude(Exists(unsettled)).update(secret="")


def deliver_message_now(message_id: int) -> Tally:
    """Try a fresh message at once (sign-in links); the command retries leftovers.

    One pass only: rows a failure put back for later are left to the command,
    so a web request never waits on retries.
    """
    tally = Tally()
    try:
        while batch := claim(message_id=message_id):
            result = send_batch(batch)
            tally.add(result)
            if result.retrying or result.pause_until:
                break
    except Exception:  # the worker will pick it up; the person's page must not fail
        logger.exception("Immediate delivery of message %s failed", message_id)
    return tally


def _reconcile_delay() -> timedelta:
    """How long an unknown outcome waits before its unsettled rows are retried.

    With the signed webhook, SendGrid's processed/delivered/bounce/dropped
    events settle rows meanwhile (notifications.webhooks); without it there is
    nothing to wait for but the short UNKNOWN_RETRY_DELAY.
    """
    if settings.SENDGRID_WEBHOOK_PUBLIC_KEY:
        return timedelta(minutes=settings.MAIL_RECONCILE_MINUTES)
    return UNKNOWN_RETRY_DELAY


def recover_stale() -> int:
    """Take back rows whose worker died while sending: an unknown outcome.

    The request may have reached SendGrid before the worker died, so the rows
    get the one retry an unknown outcome allows, or fail if they had it.
    """
    now = timezone.now()
    stale = Delivery.objects.filter(
        status=Delivery.Status.SENDING, claimed_at__lt=now - LEASE
    )
    failed = stale.filter(unknown_outcome=True).update(
        status=Delivery.Status.FAILED,
        last_error="outcome unknown twice (worker stopped while sending); "
        "not retried to avoid a duplicate",
    )
    # Due once the reconciliation window after the claim has passed (at once
    # without the webhook: the lease that just ran out was the delay).
    wait = _reconcile_delay() if settings.SENDGRID_WEBHOOK_PUBLIC_KEY else timedelta(0)
    retried = stale.filter(unknown_outcome=False).update(
        status=Delivery.Status.PENDING,
        unknown_outcome=True,
        next_attempt_at=F("claimed_at") + wait,
        last_error="worker stopped while sending; retrying once",
    )
    if failed or retried:
        logger.warning(
            "Rows left sending by a stopped worker: %s retried, %s failed",
            retried,
            failed,
        )
    return failed + retried


def _blocked_now(message: Message, rows: list[Claimed]) -> set[int]:
    """Rows whose address was suppressed, or whose person opted out, since queueing.

    One query, joined in the database: no list of 1,000 addresses to send.
    """
    blocked = Q(email__in=Suppression.objects.values("email"))
    if message.group_id and message.topic:
        opted_out = OptOut.objects.filter(
            group_id=message.group_id, topic=message.topic
        ).values("user_id")
        blocked |= Q(user_id__in=opted_out)
    claimed = Delivery.objects.filter(
        message_id=message.pk,
        status=Delivery.Status.SENDING,
        claimed_at__in={r.claimed_at for r in rows},
    )
    found = set(claimed.filter(blocked).values_list("pk", flat=True))
    return found & {r.pk for r in rows}


# --- leases -------------------------------------------------------------------


def _keep_lease(rows: list[Claimed]) -> list[Claimed]:
    """Renew the lease on rows held for a while; returns the rows still ours.

    A row is ours while it is `sending` with the `claimed_at` we gave it. If
    our lease ran out and another worker took the row back, it is dropped
    here, so it is never sent by two workers.
    """
    now = timezone.now()
    if all(_held(r, now) < LEASE / 3 for r in rows):
        return rows
    with transaction.atomic():
        ours: set[int] = set()
        for token, group in _by_token(rows).items():
            ours.update(
                Delivery.objects.select_for_update()
                .filter(
                    pk__in=[r.pk for r in group],
                    status=Delivery.Status.SENDING,
                    claimed_at=token,
                )
                .values_list("pk", flat=True)
            )
        Delivery.objects.filter(pk__in=ours).update(claimed_at=now)
    lost = [r for r in rows if r.pk not in ours]
    if lost:
        logger.warning("Lease lost on %s rows; another worker has them", len(lost))
    kept = [r for r in rows if r.pk in ours]
    for row in kept:
        row.claimed_at = now
    return kept


def _held(row: Claimed, now: datetime) -> timedelta:
    """How long a claimed row has been held."""
    return now - row.claimed_at


def _by_token(rows) -> dict[datetime, list[Claimed]]:
    groups: dict[datetime, list[Claimed]] = defaultdict(list)
    for row in rows:
        groups[row.claimed_at].append(row)
    return groups


def _update_ours(rows, **values) -> int:
    """UPDATE rows that are still `sending` under our lease; one query per claim."""
    changed = 0
    for token, group in _by_token(rows).items():
        changed += Delivery.objects.filter(
            pk__any=[r.pk for r in group],
            status=Delivery.Status.SENDING,
            claimed_at=token,
        ).update(**values)
    if changed != len(rows):
        logger.warning(
            "%s of %s rows were no longer ours when recording %s",
            len(rows) - changed,
            len(rows),
            values.get("status"),
        )
    return changed


# --- transports ---------------------------------------------------------------


def _send_sendgrid(
    message: Message, rows: list[Claimed], *, body: bytes | None = None
) -> Tally:
    """One request for `rows`, then what it came to (more requests for 413/400).

    ``body`` is the request if it was built already, for exactly these rows.
    """
    tally = Tally()
    kept = _keep_lease(rows)
    if not kept:
        return tally
    if len(kept) != len(rows):
        body = None  # built for rows of which some are no longer ours
    rows = kept
    outcome = _post(message, rows, body=body)
    tally.requests += 1
    blamed = outcome.refused_recipients()
    if blamed is not None:
        tally.add(_isolate(message, rows, outcome, blamed))
    else:
        tally.add(_record(message, rows, outcome))
    return tally


def _post(
    message: Message, rows: list[Claimed], *, body: bytes | None = None
) -> sendgrid_api.Outcome:
    return sendgrid_api.send(
        body or _payload(message, rows),
        api_key=settings.SENDGRID_API_KEY,
        host=settings.SENDGRID_API_HOST,
        timeout=settings.SENDGRID_TIMEOUT,
        attempt=max(r.attempts for r in rows) - 1,
        rng=_rng,
    )


def _record(
    message: Message, rows: list[Claimed], outcome: sendgrid_api.Outcome
) -> Tally:
    """Write what one request came to for all of its rows."""
    tally = Tally()
    status = outcome.status
    if status == sendgrid_api.Status.SENT:
        _finish(rows, status=Delivery.Status.SENT, provider_id=outcome.message_id or "")
        tally.sent += len(rows)
    elif status == sendgrid_api.Status.SPLIT and len(rows) > 1:
        half = len(rows) // 2
        for part in (rows[:half], rows[half:]):
            tally.add(_send_sendgrid(message, part))
    elif status == sendgrid_api.Status.RETRY:
        rate_limited = outcome.http_status == 429
        wait = max(outcome.retry_after or 0.0, MIN_RETRY_SECONDS)
        tally.add(
            _retry_later(
                rows, wait=wait, error=outcome.error, count_attempt=not rate_limited
            )
        )
        reason = "rate limited (429)" if rate_limited else "SendGrid unavailable"
        tally.pause(timezone.now() + timedelta(seconds=wait), reason)
    elif status == sendgrid_api.Status.UNKNOWN:
        tally.add(_unknown(rows, error=outcome.error))
        # SendGrid is in trouble; more requests now would only turn more rows
        # into unknown outcomes.
        wait = max(outcome.retry_after or 0.0, MIN_RETRY_SECONDS)
        what = f"HTTP {outcome.http_status}" if outcome.http_status else "no answer"
        tally.pause(
            timezone.now() + timedelta(seconds=wait), f"{what}, outcome unknown"
        )
    else:  # FAILED, or SPLIT of a single message that is too large on its own
        error = f"HTTP {outcome.http_status}: {outcome.error or 'refused'}"
        _finish(rows, status=Delivery.Status.FAILED, error=error)
        tally.failed += len(rows)
        tally.errors.append(error)
        if outcome.http_status in (401, 403):
            logger.error("SendGrid refused the API key: %s", error)
            tally.pause(timezone.now() + AUTH_PAUSE, f"API key refused ({error})")
    return tally


def _isolate(
    message: Message,
    rows: list[Claimed],
    outcome: sendgrid_api.Outcome,
    blamed: dict[int, str] | None,
) -> Tally:
    """SendGrid refused the batch for some of its recipients: fail only those.

    Rows that SendGrid's error names fail with its message and the rest are
    sent again; when it names none, `isolation.Search` sends parts of the
    batch to single them out. Whatever is accepted is recorded as sent at
    once. Side effects: at most ``isolation.requests_per_bad_row(len(rows))``
    more requests per refused row found (plus one such lot), one UPDATE per
    outcome; rows still unsettled when that allowance is spent fail.
    """
    tally = Tally()
    by_pk = {row.pk: row for row in rows}
    search: isolation.Search[int] = isolation.Search(list(by_pk))
    part = list(by_pk)
    while True:
        if outcome.status == sendgrid_api.Status.SENT:
            accepted = [by_pk[pk] for pk in part]
            _finish(
                accepted,
                status=Delivery.Status.SENT,
                provider_id=outcome.message_id or "",
            )
            tally.sent += len(accepted)
            proven = search.sent(part)
        elif blamed is not None:
            named = {
                part[i]: f"HTTP 400: {text}"
                for i, text in blamed.items()
                if i < len(part)
            }
            reason = (
                f"HTTP 400: {outcome.error or 'refused'} (SendGrid named no "
                "recipient; this one was singled out by resending parts of the batch)"
            )
            proven = search.refused(part, reason, named)
        else:  # Not about recipients (429, 5xx, no answer...): stop searching.
            tally.add(_record(message, [by_pk[pk] for pk in part], outcome))
            held = set(search.unresolved()) - set(part)
            tally.add(
                _retry_later(
                    [by_pk[pk] for pk in by_pk if pk in held],
                    wait=max(outcome.retry_after or 0.0, MIN_RETRY_SECONDS),
                    error="not sent yet: held back while looking for the "
                    f"recipient SendGrid refused, then {outcome.error or 'no answer'}",
                )
            )
            return tally
        tally.add(_fail_refused(by_pk, proven))
        unsettled = [by_pk[pk] for pk in search.unresolved()]
        ours = {row.pk for row in _keep_lease(unsettled)}
        search.forget([row.pk for row in unsettled if row.pk not in ours])
        if not (part := search.probe()):
            break
        outcome = _post(message, [by_pk[pk] for pk in part])
        tally.requests += 1
        blamed = outcome.refused_recipients()
    if left := [by_pk[pk] for pk in search.unresolved()]:
        error = (
            f"not sent: SendGrid refused this batch ({outcome.error or 'HTTP 400'}) "
            f"and {search.requests} more requests did not single out the refused "
            "recipients"
        )
        _finish(left, status=Delivery.Status.FAILED, error=error)
        tally.failed += len(left)
        tally.errors.append(error)
    return tally


def _fail_refused(by_pk: dict[int, Claimed], proven: dict[int, str]) -> Tally:
    """Fail the rows SendGrid refused; one UPDATE per distinct reason."""
    tally = Tally()
    by_reason: dict[str, list[Claimed]] = defaultdict(list)
    for pk, reason in proven.items():
        by_reason[reason].append(by_pk[pk])
    for reason, refused in by_reason.items():
        _finish(refused, status=Delivery.Status.FAILED, error=reason)
        tally.failed += len(refused)
        tally.errors.append(reason)
    return tally


def _payload(message: Message, rows: list[Claimed]) -> dict:
    urls = {} if message.transactional else unsubscribe_urls(r.pk for r in rows)
    from_value = message.from_email or settings.DEFAULT_FROM_EMAIL
    return sendgrid_api.build_payload(
        from_email=_from_address(from_value),
        from_name=_from_name(from_value),
        reply_to=settings.REPLY_TO_EMAIL,
        subject=message.subject,
        text=message.text,
        html=message.html,
        personalizations=[
            sendgrid_api.Recipient(
                email=row.email,
                delivery_id=row.pk,
                unsubscribe_url=urls.get(row.pk, ""),
            )
            for row in rows
        ],
        categories=[message.kind],
        calendar=message.calendar,
        calendar_method=message.calendar_method or "REQUEST",
    )


def _send_django(message: Message, rows: list[Claimed]) -> Tally:
    """Without an API key: one email per row through the default mailer.

    The demo's mailer writes `.eml` files. Sent rows are recorded in one
    UPDATE at the end of the batch; a failure puts that row back for later.
    """
    tally = Tally()
    sent: list[Claimed] = []
    with mailers.default as connection:
        for index, row in enumerate(rows):
            if _held(row, timezone.now()) >= LEASE / 3:
                # A slow mailer: renew the rest of the batch in one go.
                ours = {r.pk for r in _keep_lease(rows[index:])}
                if row.pk not in ours:
                    continue
            try:
                connection.send_messages([_django_email(message, row)])
            except Exception as error:  # any mailer failure: try again later
                logger.warning("Sending delivery %s failed: %s", row.pk, error)
                wait = sendgrid_api.backoff(
                    row.attempts - 1, base=2.0, cap=300.0, rng=_rng
                )
                tally.add(_retry_later([row], wait=wait, error=str(error)))
            else:
                sent.append(row)
    if sent:
        _finish(sent, status=Delivery.Status.SENT)
        tally.sent += len(sent)
    return tally


def _django_email(message: Message, row: Claimed) -> EmailMultiAlternatives:
    url = "" if message.transactional else unsubscribe_url(row)
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.text.replace(sendgrid_api.UNSUBSCRIBE_TOKEN, url),
        from_email=message.from_email or settings.DEFAULT_FROM_EMAIL,
        to=[row.email],
        reply_to=[settings.REPLY_TO_EMAIL] if settings.REPLY_TO_EMAIL else None,
        headers={
            "X-Meetings-Kind": message.kind,
            "X-Meetings-Delivery": str(row.pk),
            **({} if message.transactional else unsubscribe_headers(url)),
        },
    )
    if message.html:  # error reports from Django are plain text
        email.attach_alternative(
            message.html.replace(sendgrid_api.UNSUBSCRIBE_TOKEN, url), "text/html"
        )
    if message.calendar:
        email.attach_alternative(
            message.calendar, f"text/calendar; method={message.calendar_method}"
        )
        email.attach("invite.ics", message.calendar, "application/ics")
    return email


# --- recording outcomes --------------------------------------------------------


def _finish(rows, *, status: str, error: str = "", provider_id: str = "") -> None:
    _update_ours(
        rows,
        status=status,
        sent_at=timezone.now() if status == Delivery.Status.SENT else None,
        last_error=error[:2000],
        provider_message_id=provider_id,
    )


def _retry_later(rows, *, wait: float, error: str, count_attempt: bool = True) -> Tally:
    """Put rows SendGrid did not take back in the queue, or fail the old ones."""
    tally = Tally()
    now = timezone.now()
    give_up = [r for r in rows if now - r.created_at >= GIVE_UP_AFTER]
    again = [r for r in rows if now - r.created_at < GIVE_UP_AFTER]
    if give_up:
        _finish(give_up, status=Delivery.Status.FAILED, error=f"gave up: {error}")
        tally.failed += len(give_up)
    if again:
        values = {
            "status": Delivery.Status.PENDING,
            "next_attempt_at": now + timedelta(seconds=wait),
            "last_error": error[:2000],
        }
        if not count_attempt:
            values["attempts"] = F("attempts") - 1
        _update_ours(again, **values)
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
        _update_ours(
            once,
            status=Delivery.Status.PENDING,
            unknown_outcome=True,
            next_attempt_at=timezone.now() + _reconcile_delay(),
            last_error=f"outcome unknown, retrying once: {error}"[:2000],
        )
        tally.retrying += len(once)
    return tally


def _from_address(value: str) -> str:
    return value.split("<", 1)[1].rstrip(">").strip() if "<" in value else value


def _from_name(value: str) -> str:
    return value.split("<", 1)[0].strip().strip('"') if "<" in value else ""
