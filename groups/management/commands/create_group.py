from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_slug

from accounts.models import User, validate_timezone
from core.validators import (
    line_argument,
    validate_multiline_text,
    validate_single_line,
)
from groups.models import Group
from groups.services import GroupError, group_create
from notifications.addresses import validate_deliverable_email


class Command(BaseCommand):
    help = "Create a group with its first owner."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="The group's name, e.g. 'Rust Berlin'.")
        parser.add_argument(
            "--slug",
            required=True,
            type=line_argument,
            help="Its address, e.g. rust-berlin.",
        )
        parser.add_argument(
            "--owner",
            required=True,
            type=line_argument,
            metavar="EMAIL",
            help="The first owner; an address without an account gets one.",
        )
        parser.add_argument(
            "--description-file",
            metavar="F",
            type=line_argument,
            help="A Markdown file with the description.",
        )
        parser.add_argument("--location", default="", help="Where the group meets.")
        parser.add_argument(
            "--timezone",
            default="UTC",
            metavar="TZ",
            type=line_argument,
            help="IANA zone.",
        )

    def handle(
        self,
        *args: Any,
        name: str,
        slug: str,
        owner: str,
        description_file: str | None,
        location: str,
        timezone: str,
        **o: Any,
    ) -> None:
        try:
            validate_slug(slug)
            validate_timezone(timezone)
            validate_single_line(name.strip())
            validate_single_line(location)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        if not name.strip():
            raise CommandError("The group needs a name.")
        for label, value, field in [
            ("The name", name.strip(), Group._meta.get_field("name")),
            ("--slug", slug, Group._meta.get_field("slug")),
            ("--owner", owner, User._meta.get_field("email")),
            ("--location", location, Group._meta.get_field("location")),
        ]:
            limit = getattr(field, "max_length", None)
            if limit is not None and len(value) > limit:
                raise CommandError(
                    f"{label} has {len(value)} characters; it can have at most {limit}."
                )
        try:
            # After the length check, which explains an over-long one better.
            validate_deliverable_email(owner)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        description = ""
        if description_file:
            try:
                description = Path(description_file).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                raise CommandError(
                    f"Cannot read {description_file}: {error}"
                ) from error
            try:
                validate_multiline_text(description)
            except ValidationError as error:
                raise CommandError(f"{description_file}: {error.message}") from error
        try:
            group = group_create(
                name=name.strip(),
                slug=slug,
                owner_email=owner,
                description=description,
                location=location,
                tz=timezone,
            )
        except GroupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Created group {group.name} ({group.slug}), owned by {owner}."
        )
