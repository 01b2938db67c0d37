"""Deliver the outbox. Run `--loop` under systemd (meetings-mail.service)."""

import signal
import sys
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django.db.models import Count

from notifications import sender
from notifications.models import Delivery


class Command(BaseCommand):
    help = "Send pending emails from the outbox through SendGrid (or .eml files)."

    def add_arguments(self, parser):
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--once", action="store_true", help="Send what is due, then exit (default)."
        )
        mode.add_argument(
            "--loop",
            action="store_true",
            help="Keep running; SIGTERM finishes the batch.",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=1000,
            help="Recipients per request (1-1000).",
        )
        parser.add_argument(
            "--limit", type=int, default=0, help="Stop after this many recipients."
        )
        parser.add_argument(
            "--pause", type=float, default=0.0, help="Seconds to wait between batches."
        )
        parser.add_argument(
            "--idle",
            type=float,
            default=2.0,
            help="With --loop: seconds between checks.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what is due; send nothing."
        )

    def handle(self, *args, once, loop, batch_size, limit, pause, idle, dry_run, **o):
        if not 1 <= batch_size <= 1000:
            self.stderr.write("--batch-size must be between 1 and 1000.")
            sys.exit(2)
        if dry_run:
            return self._dry_run()
        self.stopping = False
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        total, started = sender.Tally(), time.monotonic()
        tty = self.stdout.isatty()
        while not self.stopping:
            if not connection.in_atomic_block:
                # Between batches, drop connections that went stale (a
                # caller's transaction, as in tests, must be left alone).
                close_old_connections()
            sender.recover_stale()
            size = batch_size if not limit else min(batch_size, limit - _handled(total))
            rows = sender.claim(batch_size=size) if size > 0 else []
            if rows:
                total.add(sender.send_batch(rows))
                if tty:
                    self._progress(total, started)
                if pause:
                    time.sleep(pause)
                continue
            if not loop or (limit and _handled(total) >= limit):
                break
            time.sleep(idle)
        if tty:
            self.stdout.write("")
        self.stdout.write(
            f"sent {total.sent}, failed {total.failed}, suppressed {total.suppressed}, "
            f"retrying later {total.retrying}, requests {total.requests}, "
            f"remaining {sender.pending_count()}"
        )

    def _stop(self, signum, frame):
        # Finish the batch in hand; the loop checks this flag before the next.
        self.stopping = True

    def _progress(self, total, started):
        elapsed = max(time.monotonic() - started, 1e-6)
        self.stdout.write(
            f"\rsent {total.sent} / remaining {sender.pending_count()} / "
            f"{total.sent / elapsed:.0f} per second",
            ending="",
        )
        self.stdout.flush()

    def _dry_run(self):
        due = Delivery.objects.filter(status=Delivery.Status.PENDING)
        for subject, count in (
            due.values_list("message__subject")
            .order_by("message_id")
            .distinct()
            .annotate(n=Count("pk"))
        ):
            self.stdout.write(f"{count}\t{subject}")
        self.stdout.write(f"{due.count()} pending; nothing sent (dry run).")


def _handled(tally) -> int:
    return tally.sent + tally.failed + tally.suppressed + tally.retrying
