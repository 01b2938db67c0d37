"""Fill an empty database with demo data from every app that has a `demo` module.

Each app's `demo.seed(data)` adds its part and may read what earlier apps put in
the shared `data` dict (apps run in INSTALLED_APPS order), so a new app extends the
demo by adding a `demo.py` without touching this command.
"""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = "Load demo users, groups and events (only into an empty database)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already has people in it.",
        )

    def handle(self, *args, if_empty: bool, **options):
        if get_user_model().objects.exists():
            if if_empty:
                self.stdout.write("Database has data already; demo not loaded.")
                return
            # The demo's groups and people would clash with what is there.
            raise CommandError(
                "The database has people in it already; the demo loads only into "
                "an empty one (--if-empty skips it quietly)."
            )
        data: dict = {}
        with transaction.atomic():
            for config in apps.get_app_configs():
                module_name = f"{config.name}.demo"
                if find_spec(module_name) is None:
                    continue
                import_module(module_name).seed(data)
        for line in data.get("notes", []):
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
