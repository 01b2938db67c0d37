from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction

from core import counters
from core.discovery import app_modules

# Rows named one by one in the output; beyond that, only how many.
SHOWN = 20


class Command(BaseCommand):
    help = (
        "Recount the counts the database keeps (members per group, replies per "
        "event; core.counters) and repair any that are wrong or missing, and the "
        "triggers that keep them. Safe while the site runs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Report only; change nothing."
        )

    def handle(self, *args: Any, dry_run: bool, **options: Any) -> None:
        verb = "would repair" if dry_run else "repaired"
        for module in app_modules("counts"):
            for spec in module.COUNTS:
                missing = counters.missing_triggers(spec)
                if missing and not dry_run:
                    with transaction.atomic():
                        counters.install(spec, connection)
                if missing:
                    self.stdout.write(
                        f"{spec.name}: triggers missing, {verb}: {', '.join(missing)}"
                    )
                self._recount(spec, dry_run=dry_run, verb=verb)

    def _recount(self, spec: counters.CountSpec, *, dry_run: bool, verb: str) -> None:
        columns = ", ".join(spec.columns)
        fixed = 0
        for drift in counters.drifted(spec):
            actual = drift.actual if dry_run else counters.repair(spec, drift.pk)
            if actual == drift.stored:
                continue  # a write under way when it was first read
            fixed += 1
            if fixed <= SHOWN:
                stored = "no row" if drift.stored is None else _values(drift.stored)
                self.stdout.write(
                    f"{spec.name}: {spec.parent_table} {drift.pk}: "
                    f"({columns}) {stored} -> {_values(actual)}"
                )
        if fixed > SHOWN:
            self.stdout.write(f"{spec.name}: and {fixed - SHOWN} more")
        self.stdout.write(f"{spec.name}: {fixed} {verb}")


def _values(values: tuple[int, ...]) -> str:
    return ", ".join(str(v) for v in values)
