import math
import sys
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from notifications.status import MAX_DUE_WAIT, MAX_HEARTBEAT_AGE, status_report


def _minutes(delta: timedelta) -> float:
    return delta.total_seconds() / 60


class Command(BaseCommand):
    help = (
        "Report the oldest due email, the heartbeats of the mail sender and the "
        "task worker, recent failed and pending deliveries. Exits 1 with one "
        "line per problem on stderr; run it from a monitoring timer."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--max-heartbeat-age",
            type=float,
            default=_minutes(MAX_HEARTBEAT_AGE),
            metavar="MINUTES",
            help="A heartbeat older than this is a problem "
            f"(default {_minutes(MAX_HEARTBEAT_AGE):g}).",
        )
        parser.add_argument(
            "--max-wait",
            type=float,
            default=_minutes(MAX_DUE_WAIT),
            metavar="MINUTES",
            help="A due delivery waiting longer than this is a problem "
            f"(default {_minutes(MAX_DUE_WAIT):g}).",
        )

    def handle(
        self, *args: Any, max_heartbeat_age: float, max_wait: float, **options: Any
    ) -> None:
        limits = (max_heartbeat_age, max_wait)
        if not all(math.isfinite(x) and 0 < x <= 525_600 for x in limits):
            raise CommandError(
                "--max-heartbeat-age and --max-wait must be minutes between 0 and "
                "a year."
            )
        try:
            report = status_report()
        except DatabaseError as error:
            first_line = (str(error).strip().splitlines() or [""])[0]
            self.stderr.write(f"PROBLEM database: {first_line}")
            sys.exit(1)
        for label, value in report.lines():
            self.stdout.write(f"{label}: {value}")
        problems = report.problems(
            max_heartbeat_age=timedelta(minutes=max_heartbeat_age),
            max_due_wait=timedelta(minutes=max_wait),
        )
        if not problems:
            self.stdout.write("no problems")
            return
        for problem in problems:
            self.stderr.write(f"PROBLEM {problem}")
        sys.exit(1)
