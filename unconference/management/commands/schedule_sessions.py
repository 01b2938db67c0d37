"""Run the unconference scheduler for one event, in this process."""

import secrets
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from unconference import services
from unconference.forms import MAX_SECONDS
from unconference.models import ScheduleRun, Unconference


class Command(BaseCommand):
    help = (
        "Build the timetable of an unconference event and store it as a run that "
        "owners see (and may publish) on the scheduler page. After a publication "
        "the published timetable is the starting point, so few sessions move."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("event", type=int, help="The event's id (in its URL).")
        parser.add_argument(
            "--seconds",
            type=float,
            default=5.0,
            help="Search work, sized to take about this many seconds of CPU "
            f"time, 0.5 to {MAX_SECONDS * 10} (default 5).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=None,
            help="Random seed; the same seed, seconds and data give the same "
            "timetable unless the search reaches its limit of four times "
            "--seconds in CPU time (default: random).",
        )

    def handle(
        self, *args: Any, event: int, seconds: float, seed: int | None, **options: Any
    ) -> None:
        if not 0.5 <= seconds <= MAX_SECONDS * 10:
            raise CommandError(f"--seconds must be between 0.5 and {MAX_SECONDS * 10}.")
        if seed is not None and not 0 <= seed < 2**31:
            raise CommandError("--seed must be between 0 and 2147483647.")
        unconference = (
            Unconference.objects.select_related("event").filter(event_id=event).first()
        )
        if unconference is None:
            raise CommandError(
                f"Event {event} does not exist or is not an unconference."
            )
        try:
            run = services.schedule_request(
                unconference=unconference,
                by=None,
                seconds=seconds,
                seed=secrets.randbelow(2**31) if seed is None else seed,
                enqueue=False,
            )
        except services.UnconferenceError as error:
            raise CommandError(str(error)) from error
        services.schedule_execute(run_id=run.pk)
        run.refresh_from_db()
        if run.status == ScheduleRun.Status.FAILED:
            raise CommandError(f"Run {run.pk} failed: {run.error}")
        self._report(run)

    def _report(self, run: ScheduleRun) -> None:
        percent = run.percent_of_bound()
        last = "-" if run.previous_utility is None else run.previous_utility
        lines = [
            f"Run {run.pk} for “{run.unconference.event.title}” (seed {run.seed}):",
            f"  score           {run.utility} of at most {run.upper_bound}"
            + (f" ({percent:.1f}%)" if percent is not None else ""),
            f"  random baseline {run.random_utility}",
            f"  last run        {last}",
            f"  overflow        {run.overflow:.1f} people beyond room capacity",
            f"  placed          {len(run.assignment)} sessions, "
            f"{len(run.unplaced)} not placed",
            f"  runtime         {run.runtime:.2f} s, {run.steps} of "
            f"{run.step_budget} planned search steps",
        ]
        if run.capped:
            lines.append(
                "  stopped at its time limit: the same seed may give another timetable"
            )
        if run.moved_from_published is not None:
            lines.append(
                f"  moved           {run.moved_from_published} "
                "from the published timetable"
            )
        self.stdout.write("\n".join(lines))
        self.stdout.write(self.style.SUCCESS("Open the scheduler page to publish it."))
