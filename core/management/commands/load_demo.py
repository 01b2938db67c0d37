"""Fill an empty database with demo data from every app that has a `demo` module.

Each app's `demo.seed(data)` adds its part and may read what earlier apps put in
the shared `data` dict (apps run in INSTALLED_APPS order), so a new app extends the
demo by adding a `demo.py` without touching this command.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from core.discovery import app_modules


class Command(BaseCommand):
    help = "Load demo users, groups and events (only into an empty database)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already has people in it.",
        )

    def handle(self, *args: Any, if_empty: bool, **options: Any) -> None:
        if get_user_model().objects.exists():
            if if_empty:
                self.stdout.write("Database has data already; demo not loaded.")
                return
            # The demo's groups and people would clash with what is there.
            raise CommandError(
                "The database has people in it already; the demo loads only into "
                "an empty one (--if-empty skips it quietly)."
            )
        data: dict[str, Any] = {}
        with transaction.atomic():
            for module in app_modules("demo"):
                module.seed(data)
        for line in data.get("notes", []):
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
