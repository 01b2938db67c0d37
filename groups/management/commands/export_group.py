from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.validators import line_argument
from groups.archive import archive_build, archive_name, consent_counts
from groups.models import Group


class Command(BaseCommand):
    help = (
        "Write a group's archive (group.json and events.ics in a zip), as its "
        "owners download it; members who did not agree to come along are counts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", type=line_argument, help="The group's slug.")
        parser.add_argument(
            "--output",
            metavar="FILE",
            type=line_argument,
            help="Where to write it (default: SLUG-YYYY-MM-DD.zip here); "
            "an existing file is never overwritten.",
        )

    def handle(self, *args: Any, slug: str, output: str | None, **o: Any) -> None:
        group = Group.objects.filter(slug=slug).first()
        if group is None:
            raise CommandError(f"No group with the slug “{slug}”.")
        path = Path(output or archive_name(group))
        agreed, left_out = consent_counts(group=group)
        body = archive_build(group=group)
        try:
            # "x": never replace a file, not even one made since the check.
            with path.open("xb") as file:
                file.write(body)
        except FileExistsError:
            raise CommandError(
                f"{path} exists already; choose another --output."
            ) from None
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error.strerror}.") from None
        self.stdout.write(
            f"Wrote {path}: {agreed} member{'s' if agreed != 1 else ''} who agreed "
            f"to come along; {left_out} who did not {'is' if left_out == 1 else 'are'}"
            " left out."
        )
