"""The weekly coffee roulette run (meetings-roulette.timer starts it every hour)."""

from datetime import date, datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from core.validators import line_argument
from groups.models import Group
from roulette import schedule, services
from roulette.models import RouletteSettings, SatOut
from roulette.pairing import week_bounds


class Command(BaseCommand):
    help = (
        "Pair coffee roulette members for a week and queue their emails. "
        "Without --week, pairs each group whose weekly announcement time has "
        "passed, for the week after it (run it hourly). A group is paired at "
        "most once per week: running again changes and sends nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--group", metavar="SLUG", type=line_argument, help="Only this group."
        )
        parser.add_argument(
            "--week",
            metavar="2026-W49",
            type=line_argument,
            help="Pair this ISO week now, whatever the announcement time "
            "(it must not have started).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Show who would meet when; write and send nothing.",
        )
        parser.add_argument(
            "--seed",
            type=int,
            help="Seed for ties between equally good pairings (default: random).",
        )

    def handle(
        self,
        *args: Any,
        group: str | None,
        week: str | None,
        dry_run: bool,
        seed: int | None,
        verbosity: int,
        **options: Any,
    ) -> None:
        now = timezone.now()
        self.verbosity = verbosity
        if seed is not None and not 0 <= seed < 2**31:
            # The seeds the command picks itself are in this range, and a
            # round keeps its seed in a 64-bit column.
            raise CommandError("--seed must be between 0 and 2147483647.")
        if week is not None:
            self._check_week(week, now=now)
        for config in self._settings(group):
            target = week or schedule.due_week(
                config, tz=config.group.timezone, now=now
            )
            if target is None:
                if verbosity > 1:
                    self.stdout.write(f"{config.group.slug}: nothing due.")
                continue
            try:
                report = services.round_run(
                    group=config.group, iso_week=target, seed=seed, dry_run=dry_run
                )
            except services.RouletteError as error:
                raise CommandError(str(error)) from error
            if report.created or report.dry_run or week or verbosity > 1:
                self._write(report)

    def _check_week(self, week: str, *, now: datetime) -> None:
        try:
            monday, _ = week_bounds(week)
        except ValueError as error:
            raise CommandError(
                f"--week must be an ISO week like 2026-W49, not “{week}”."
            ) from error
        except OverflowError:
            monday = date.max  # 9999-W52: its end is past the last date there is.
        if monday > (now + timedelta(days=365)).date():
            raise CommandError(
                f"{week} is more than a year ahead; pair a week within the next year."
            )
        if schedule.has_started(week, now=now):
            raise CommandError(
                f"{week} has started already; pair a week that is still ahead."
            )

    def _settings(self, slug: str | None) -> list[RouletteSettings]:
        if slug is None:
            return list(
                RouletteSettings.objects.filter(enabled=True)
                .select_related("group")
                .order_by("group__slug")
            )
        group = Group.objects.filter(slug=slug).first()
        if group is None:
            raise CommandError(f"No group with the slug “{slug}”.")
        config = RouletteSettings.objects.filter(group=group, enabled=True).first()
        if config is None:
            raise CommandError(f"Coffee roulette is off for {slug}.")
        return [config]

    def _write(self, report: services.RoundReport) -> None:
        head = f"{report.group.slug} {report.iso_week}"
        if not report.created and not report.dry_run:
            self.stdout.write(f"{head}: paired before; nothing changed or sent.")
            return
        what = "would pair" if report.dry_run else "paired"
        self.stdout.write(
            f"{head}: {what} {report.pairs} pairs and {report.trios} trios; "
            f"{len(report.sat_out)} sit out (seed {report.seed})."
        )
        if report.dry_run or self.verbosity > 1:
            for people, start, _ in report.meetings:
                names = " + ".join(p.name for p in people)
                self.stdout.write(f"  {start:%a %d %b %H:%M} UTC  {names}")
            for user, reason in report.sat_out:
                label = SatOut.Reason(reason).label
                self.stdout.write(f"  sits out: {user.name} ({label})")
