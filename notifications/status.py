"""Is mail going out and are the background processes alive? One report.

`manage.py status` prints it and exits non-zero with one line per problem (for
a monitoring timer); `/staff/status/` shows it to staff. It reads a handful of
rows through indexes, so it can run every minute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from core.heartbeat import SENDER, WORKER
from core.models import Heartbeat

from .models import Delivery

# A heartbeat is written every HEARTBEAT_SECONDS (10 s) while the process
# lives, also while it is idle or paused for SendGrid. The worker does not beat
# while it runs a task, and a scheduler run from the web takes at most a minute.
MAX_HEARTBEAT_AGE = timedelta(minutes=5)
# A due delivery is normally taken within seconds. A quarter of an hour means
# the sender is down, stuck or kept off by SendGrid for longer than a pause.
MAX_DUE_WAIT = timedelta(minutes=15)
FAILED_WINDOW = timedelta(hours=24)
# What each process is called in the report and which unit runs it.
PROCESSES = {SENDER: "meetings-mail", WORKER: "meetings-tasks"}


@dataclass(frozen=True)
class Beat:
    name: str
    seen_at: datetime | None
    age: timedelta | None
    pid: int | None = None
    host: str = ""


@dataclass(frozen=True)
class DueDelivery:
    pk: int
    kind: str
    due_at: datetime
    waited: timedelta


@dataclass(frozen=True)
class StatusReport:
    now: datetime
    oldest_due: DueDelivery | None
    beats: tuple[Beat, ...]
    failed_recently: int
    pending: int

    def problems(
        self,
        *,
        max_heartbeat_age: timedelta = MAX_HEARTBEAT_AGE,
        max_due_wait: timedelta = MAX_DUE_WAIT,
    ) -> list[str]:
        """One line per thing an operator should look at; empty when all is well."""
        found = []
        for beat in self.beats:
            unit = PROCESSES[beat.name]
            if beat.age is None:
                found.append(
                    f"{beat.name}: no heartbeat ever recorded (is {unit} running?)"
                )
            elif beat.age > max_heartbeat_age:
                found.append(
                    f"{beat.name}: last heartbeat {age_text(beat.age)} ago "
                    f"(limit {age_text(max_heartbeat_age)}; is {unit} running?)"
                )
        due = self.oldest_due
        if due is not None and due.waited > max_due_wait:
            found.append(
                f"outbox: delivery {due.pk} ({due.kind}) has been due for "
                f"{age_text(due.waited)} (limit {age_text(max_due_wait)})"
            )
        return found

    def lines(self) -> list[tuple[str, str]]:
        """(label, value) pairs, times in the active time zone."""
        due = self.oldest_due
        rows = [
            (
                "oldest due delivery",
                "none"
                if due is None
                else f"{due.pk} ({due.kind}), due {_when(due.due_at)}, "
                f"waiting {age_text(due.waited)}",
            )
        ]
        for beat in self.beats:
            if beat.seen_at is None or beat.age is None:
                text = "never"
            else:
                text = (
                    f"{_when(beat.seen_at)} ({age_text(beat.age)} ago), "
                    f"pid {beat.pid} on {beat.host}"
                )
            rows.append((f"{beat.name} heartbeat", text))
        rows.append(("failed deliveries in the last 24 h", str(self.failed_recently)))
        rows.append(("pending deliveries", str(self.pending)))
        return rows


def status_report(*, now: datetime | None = None) -> StatusReport:
    """Read the outbox and the heartbeats; four queries, whatever the data size."""
    now = now or timezone.now()
    pending = Delivery.objects.filter(status=Delivery.Status.PENDING)
    oldest = (
        pending.filter(next_attempt_at__lte=now)
        .select_related("message")
        .only("pk", "next_attempt_at", "message__kind")
        .order_by("next_attempt_at", "pk")
        .first()
    )
    rows = {row.name: row for row in Heartbeat.objects.filter(name__in=PROCESSES)}
    beats = []
    for name in PROCESSES:
        row = rows.get(name)
        if row is None:
            beats.append(Beat(name=name, seen_at=None, age=None))
        else:
            # Another machine's clock may run a little ahead of ours.
            age = max(now - row.seen_at, timedelta(0))
            beats.append(Beat(name, row.seen_at, age, row.pid, row.host))
    # A failed row's claimed_at is the time of the attempt that failed (or, for
    # a bounce reported later, of the send), so this counts recent attempts.
    failed = Delivery.objects.filter(
        status=Delivery.Status.FAILED, claimed_at__gte=now - FAILED_WINDOW
    ).count()
    return StatusReport(
        now=now,
        oldest_due=None
        if oldest is None
        else DueDelivery(
            pk=oldest.pk,
            kind=oldest.message.kind,
            due_at=oldest.next_attempt_at,
            waited=now - oldest.next_attempt_at,
        ),
        beats=tuple(beats),
        failed_recently=failed,
        pending=pending.count(),
    )


def age_text(age: timedelta) -> str:
    """A duration as a person reads it: "8 s", "12 min", "3 h 5 min", "2 d 4 h"."""
    seconds = int(age.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def _when(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M:%S %Z}"
