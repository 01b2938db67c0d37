"""Remind parties who have not answered, once, a day before a poll's deadline.

Idempotent: a poll is reminded at most once (`Poll.reminded_at`), so running it
every hour (systemd timer or cron) is safe.
"""

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from timepolls import services
from timepolls.models import Poll


class Command(BaseCommand):
    help = (
        "Email a new private link to every party who has not answered an open "
        "poll whose deadline is within the next 24 hours (once per poll)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="List the polls, send nothing."
        )

    def handle(self, *args: Any, dry_run: bool, **options: Any) -> None:
        now = timezone.now()
        polls = Poll.objects.filter(
            status=Poll.Status.OPEN,
            deadline__gt=now,
            deadline__lte=now + timedelta(hours=24),
            reminded_at__isnull=True,
        ).order_by("deadline", "pk")
        reminded = 0
        for poll in polls:
            if dry_run:
                self.stdout.write(f"would remind: {poll.title}")
                continue
            parties = services.poll_remind(poll=poll)
            reminded += len(parties)
            self.stdout.write(f"reminded {len(parties)} for: {poll.title}")
        self.stdout.write(f"{reminded} reminder{'s' if reminded != 1 else ''} sent.")
