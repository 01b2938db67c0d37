from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from core.housekeeping import run_housekeeping


class Command(BaseCommand):
    help = (
        "Delete expired sessions, spent rate-limit buckets, used or expired sign-in "
        "links and old finished task results; blank the bodies of settled emails "
        "older than RETENTION_DAYS. Run daily (meetings-housekeeping.timer)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Count only; change nothing."
        )
        parser.add_argument(
            "--retention-days",
            type=int,
            default=None,
            help="Override RETENTION_DAYS for this run.",
        )

    def handle(
        self, *args: Any, dry_run: bool, retention_days: int | None, **options: Any
    ) -> None:
        counts = run_housekeeping(retention_days=retention_days, dry_run=dry_run)
        self.stdout.write(counts.summary(dry_run=dry_run))
