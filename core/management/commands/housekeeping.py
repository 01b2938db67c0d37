from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.housekeeping import run_housekeeping

# A hundred years. Far beyond it the cutoff date overflows; a negative number of
# days puts the cutoff in the future, which no retention period means.
MAX_RETENTION_DAYS = 36500


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
        if retention_days is not None and not 0 <= retention_days <= MAX_RETENTION_DAYS:
            raise CommandError(
                f"--retention-days must be between 0 and {MAX_RETENTION_DAYS}."
            )
        counts = run_housekeeping(retention_days=retention_days, dry_run=dry_run)
        self.stdout.write(counts.summary(dry_run=dry_run))
