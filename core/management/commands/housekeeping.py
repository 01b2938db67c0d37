from django.core.management.base import BaseCommand

from core.housekeeping import run_housekeeping


class Command(BaseCommand):
    help = (
        "Delete expired sessions, spent rate-limit buckets, used or expired sign-in "
        "links and old finished task results; blank the bodies of settled emails "
        "older than RETENTION_DAYS. Run daily (meetings-housekeeping.timer)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count only; change nothing."
        )
        parser.add_argument(
            "--retention-days",
            type=int,
            default=None,
            help="Override RETENTION_DAYS for this run.",
        )

    def handle(self, *args, dry_run: bool, retention_days: int | None, **options):
        counts = run_housekeeping(retention_days=retention_days, dry_run=dry_run)
        self.stdout.write(counts.summary(dry_run=dry_run))
