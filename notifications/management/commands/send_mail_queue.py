"""Deliver the outbox. Runs `--loop` under systemd (meetings-mail.service).

The command only parses options, loops and reports; claiming, sending and
recording outcomes live in `notifications.sender`.
"""

import math
import os
import signal
import threading
import time
from types import FrameType
from typing import Any, Literal

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import (
    DatabaseError,
    InterfaceError,
    OperationalError,
    close_old_connections,
    connection,
)
from django.db.models import Count, Q
from django.utils import timezone

from core.heartbeat import SENDER, Pulse
from notifications import sender
from notifications.models import Delivery, Message

# Sleeps are cut into slices this long so SIGTERM is noticed promptly.
SLEEP_SLICE = 0.25
PROGRESS_EVERY = 1.0
MAX_BACKOFF = 300.0
MAX_DB_BACKOFF = 30.0
# With --once, give up (non-zero exit) after this many database errors in a row.
ONCE_DB_TRIES = 4
# Rows a dead worker left `sending` are taken back after a five-minute lease;
# looking for them every 30 s instead of before every batch delays that by
# at most 30 s and saves two UPDATEs per batch.
RECOVER_EVERY = 30.0

# What one turn of the loop did: sent a batch, or why it sent none.
Step = (
    tuple[Literal["batch"], sender.Tally]
    | tuple[Literal["stop"], str]
    | tuple[Literal["idle", "done"], None]
)
Handlers = dict[int, Any]


class Command(BaseCommand):
    help = (
        "Send pending emails from the outbox through SendGrid, up to 1,000 "
        "recipients per request (without SENDGRID_API_KEY: through Django's "
        "mailer, which writes .eml files in the demo). Several can run at once. "
        "Without --once or --loop it loops under systemd and runs once elsewhere."
    )
    # A worker that systemd restarts does not need Django's system checks at
    # each start (0.5 s of CPU); the deploy runs `manage.py check --deploy`.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--once",
            action="store_true",
            help="Send everything due now, then exit. Rows put off by a retry "
            "or a rate limit are left for the next run.",
        )
        mode.add_argument(
            "--loop",
            action="store_true",
            help="Keep running; SIGTERM or Ctrl-C finishes the batch in hand.",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=sender.MAX_BATCH,
            help=f"Recipients per request, 1 to {sender.MAX_BATCH} (default).",
        )
        parser.add_argument(
            "--limit",
            type=int,
            default=0,
            help="Stop after handling this many recipients (0: no limit).",
        )
        parser.add_argument(
            "--pause",
            type=float,
            default=0.0,
            help="Seconds to wait between batches (default 0).",
        )
        parser.add_argument(
            "--idle",
            type=float,
            default=2.0,
            help="With --loop: seconds between looks at an empty queue.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Show what is pending per message; send nothing.",
        )

    def handle(
        self,
        *args: Any,
        once: bool,
        loop: bool,
        batch_size: int,
        limit: int,
        pause: float,
        idle: float,
        dry_run: bool,
        **o: Any,
    ) -> None:
        if not 1 <= batch_size <= sender.MAX_BATCH:
            raise CommandError(
                f"--batch-size must be between 1 and {sender.MAX_BATCH}."
            )
        if not (math.isfinite(pause) and math.isfinite(idle)):
            # nan passes every comparison below, and time.sleep() refuses it.
            raise CommandError("--pause and --idle must be finite.")
        if limit < 0 or pause < 0 or idle <= 0:
            raise CommandError("--limit and --pause must be >= 0, --idle > 0.")
        if dry_run:
            return self._dry_run()
        if not once and not loop:
            # systemd sets INVOCATION_ID for every unit it starts.
            loop = bool(os.environ.get("INVOCATION_ID"))
        self.stopping = False
        # Only a looping sender is a service whose silence means trouble.
        self.pulse = Pulse(SENDER) if loop else None
        # Claiming ahead would hold the next batch through every --pause.
        self.drain, self.ahead = sender.Drain(), not pause
        previous = self._trap_signals()
        try:
            total, stopped_by = self._run(
                loop=loop, batch_size=batch_size, limit=limit, pause=pause, idle=idle
            )
        finally:
            self._restore_signals(previous)
        self._summary(total, stopped_by)
        if total.pause_reason.startswith("API key refused") and not loop:
            raise CommandError(f"Stopped: SendGrid {total.pause_reason}.")

    def _run(
        self, *, loop: bool, batch_size: int, limit: int, pause: float, idle: float
    ) -> tuple[sender.Tally, str]:
        total = sender.Tally()
        self.started = time.monotonic()
        self.last_progress = 0.0
        self.recovered_at: float | None = None
        try:
            stopped_by = self._loop(
                total,
                loop=loop,
                batch_size=batch_size,
                limit=limit,
                pause=pause,
                idle=idle,
            )
        finally:
            # However the loop ended, no row stays claimed by a sender that
            # will not send it.
            self._put_back(total, close=True)
        return total, stopped_by

    def _loop(
        self,
        total: sender.Tally,
        *,
        loop: bool,
        batch_size: int,
        limit: int,
        pause: float,
        idle: float,
    ) -> str:
        """Send batches until done, stopped or (with --once) paused; says why."""
        stopped_by = ""
        troubles = 0
        db_troubles = 0
        while not self.stopping:
            # Drop connections that broke or aged between batches, unless a
            # caller's transaction holds this one (call_command in tests).
            if not connection.in_atomic_block:
                close_old_connections()
            try:
                if self.pulse is not None:
                    self.pulse.beat()
                step = self._step(total, batch_size=batch_size, limit=limit, loop=loop)
            except (OperationalError, InterfaceError) as error:
                # A database restart, a failover or a busy SQLite file: log
                # one line, back off and go on. Claims are leased, so nothing
                # half-done is lost; --once gives up after a few tries.
                db_troubles += 1
                wait = min(MAX_DB_BACKOFF, 2.0**db_troubles)
                first_line = str(error).strip().splitlines()[:1] or [""]
                self.stderr.write(
                    f"Database error ({type(error).__name__}: {first_line[0]}); "
                    f"trying again in {wait:.0f} s."
                )
                connection.close_if_unusable_or_obsolete()
                if not loop and db_troubles >= ONCE_DB_TRIES:
                    raise CommandError(
                        f"Database unavailable: {first_line[0]}"
                    ) from error
                self._sleep(wait)
                continue
            db_troubles = 0
            if step[0] == "stop":
                stopped_by = step[1]
                break
            if step[0] == "idle":
                self._sleep(idle)
                continue
            if step[0] == "done":
                break
            result = step[1]
            if result.pause_until is None:
                troubles = 0
                self._sleep(pause)
                continue
            # Nothing goes out before the pause ends, the batch claimed ahead
            # included.
            self._put_back(total)
            if not loop:
                stopped_by = self._until(result)
                break
            # Back off further while SendGrid keeps failing, whatever each
            # answer suggested, so an outage burns few batches.
            troubles += 1
            wait = max(
                (result.pause_until - timezone.now()).total_seconds(),
                min(MAX_BACKOFF, 2.0**troubles),
            )
            self.stderr.write(f"Pausing {wait:.0f} s: {result.pause_reason}.")
            self._sleep(wait)
        if self.stopping:
            stopped_by = "stopped by signal after finishing the batch"
        return stopped_by

    def _put_back(self, total: sender.Tally, *, close: bool = False) -> None:
        """Return the batch claimed ahead, if any, to the queue."""
        try:
            total.add(self.drain.close() if close else self.drain.release())
        except DatabaseError as error:
            first_line = str(error).strip().splitlines()[:1] or [""]
            self.stderr.write(
                f"Could not put back the rows claimed ahead ({first_line[0]}); "
                "they are taken back when their lease runs out."
            )

    def _step(
        self, total: sender.Tally, *, batch_size: int, limit: int, loop: bool
    ) -> Step:
        """Claim and send one batch: ("batch", tally), or why there was none."""
        now = time.monotonic()
        if self.recovered_at is None or now - self.recovered_at >= RECOVER_EVERY:
            sender.recover_stale()
            self.recovered_at = now
        if limit and total.handled >= limit:
            return ("stop", f"limit of {limit} reached")
        result = self.drain.step(
            batch_size=batch_size,
            room=limit - total.handled if limit else None,
            ahead=self.ahead,
        )
        if result is None:
            return ("idle", None) if loop else ("done", None)
        total.add(result)
        self._progress(total)
        return ("batch", result)

    # --- signals and sleeping ---------------------------------------------------

    def _trap_signals(self) -> Handlers:
        if threading.current_thread() is not threading.main_thread():
            return {}
        previous: Handlers = {}
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, self._stop)
        return previous

    def _restore_signals(self, previous: Handlers) -> None:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        # Finish the batch in hand; the loop checks this flag before the next.
        self.stopping = True

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and (left := deadline - time.monotonic()) > 0:
            self._beat_while_waiting()
            time.sleep(min(left, SLEEP_SLICE))

    def _beat_while_waiting(self) -> None:
        # A pause for SendGrid (up to AUTH_PAUSE) is the loop doing its job,
        # so the process keeps beating through it. A database error here is
        # left to the next turn of the loop, which logs and backs off.
        if self.pulse is None:
            return
        try:
            self.pulse.beat()
        except DatabaseError:
            pass

    # --- output -------------------------------------------------------------------

    def _progress(self, total: sender.Tally) -> None:
        if not self.stdout.isatty():
            return
        now = time.monotonic()
        if now - self.last_progress < PROGRESS_EVERY:
            return
        self.last_progress = now
        rate = total.sent / max(now - self.started, 1e-6)
        self.stdout.write(
            f"\rsent {total.sent} / remaining {sender.pending_count()} / "
            f"{rate:.0f} per second ",
            ending="",
        )
        self.stdout.flush()

    def _summary(self, total: sender.Tally, stopped_by: str) -> None:
        if self.stdout.isatty() and self.last_progress:
            self.stdout.write("")
        elapsed = time.monotonic() - self.started
        remaining = sender.pending_count()
        later = ""
        if remaining:
            due = sender.next_due()
            later = f" (next due {timezone.localtime(due):%Y-%m-%d %H:%M:%S})"
        self.stdout.write(
            f"sent {total.sent}, failed {total.failed}, "
            f"suppressed {total.suppressed}, retrying later {total.retrying}, "
            f"requests {total.requests}, remaining {remaining}{later}, "
            f"{elapsed:.1f} s, {total.sent / max(elapsed, 1e-6):.0f} per second"
        )
        if stopped_by:
            self.stdout.write(f"Stopped early: {stopped_by}.")
        for error in dict.fromkeys(total.errors):
            self.stderr.write(f"Failed: {error}")

    @staticmethod
    def _until(tally: sender.Tally) -> str:
        when = timezone.localtime(tally.pause_until)
        return f"{tally.pause_reason}, nothing sent before {when:%H:%M:%S}"

    def _dry_run(self) -> None:
        now = timezone.now()
        pending = Q(deliveries__status=Delivery.Status.PENDING)
        messages = (
            Message.objects.annotate(
                due=Count(
                    "deliveries",
                    filter=pending & Q(deliveries__next_attempt_at__lte=now),
                ),
                later=Count(
                    "deliveries",
                    filter=pending & Q(deliveries__next_attempt_at__gt=now),
                ),
            )
            .filter(Q(due__gt=0) | Q(later__gt=0))
            .order_by("pk")
        )
        due_total = later_total = 0
        for message in messages:
            due_total += message.due
            later_total += message.later
            self.stdout.write(
                f"message {message.pk} ({message.kind}): {message.due} due now, "
                f"{message.later} later: {message.subject}"
            )
        self.stdout.write(
            f"{due_total} due now, {later_total} later; nothing sent (dry run)."
        )
