from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email, validate_slug

from accounts.models import User
from core.archiving import ArchiveError
from core.text import printable
from core.validators import line_argument
from groups.archive import archive_read, group_import
from groups.models import Group


class Command(BaseCommand):
    help = (
        "Create a group from an archive another site wrote (export_group), in "
        "one transaction; its people join by address, without any email."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=line_argument, help="The archive (.zip).")
        parser.add_argument(
            "--owner",
            required=True,
            type=line_argument,
            metavar="EMAIL",
            help="Who owns the group here; an address without an account gets one.",
        )
        parser.add_argument(
            "--slug",
            type=line_argument,
            help="Its address here, if not the one in the archive.",
        )

    def handle(
        self, *args: Any, file: str, owner: str, slug: str | None, **o: Any
    ) -> None:
        limits: list[tuple[str, str, Any]] = [
            ("--owner", owner, User._meta.get_field("email"))
        ]
        if slug is not None:
            limits.append(("--slug", slug, Group._meta.get_field("slug")))
        for label, value, field in limits:
            limit = getattr(field, "max_length", None)
            if limit is not None and len(value) > limit:
                raise CommandError(
                    f"{label} has {len(value)} characters; it can have at most {limit}."
                )
        try:
            validate_email(owner)
            if slug is not None:
                validate_slug(slug)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        try:
            raw = Path(file).read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        try:
            summary = group_import(
                data=archive_read(raw, name=file), owner_email=owner, slug=slug
            )
        except ArchiveError as error:
            raise CommandError(printable(str(error))) from None
        for warning in summary.warnings:
            self.stderr.write(f"Warning: {printable(warning)}")
        self.stdout.write(printable(str(summary)))
