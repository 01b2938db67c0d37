"""A group's archive: one zip that takes the group to another site.

`group.json` holds a section per app, written by its `portability` module
(docs/architecture.md, "Modules found by name"), and the people in it: only
members who agreed to come along, by name, address and time zone. Everyone
else is a count. `events.ics` and any other file an app adds are for people
and their programs; an import reads only `group.json`.

The format is versioned: an archive of another format or version is refused,
and a section no app here reads (a newer site's, or a feature this one lacks)
is skipped with a warning.
"""

from __future__ import annotations

import io
import json
import zipfile
import zlib
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import DataError, IntegrityError, transaction
from django.utils import timezone

from accounts.models import User, normalize_email
from core.archiving import ArchiveError, checked, iso, rows, shown, text
from core.discovery import app_modules

from . import portability
from .models import Group, Membership

FORMAT = "meetings-group"
VERSION = 1
JSON_NAME = "group.json"
# A group of 20,000 members with years of events is a few MB of JSON.
MAX_JSON_BYTES = 100_000_000
HEADER = ("format", "version", "exported_at", "site", "people")


def _portable() -> dict[str, ModuleType]:
    """Each app's `portability` module, by app label, in INSTALLED_APPS order."""
    found = {}
    for module in app_modules("portability"):
        config = apps.get_containing_app_config(module.__name__)
        assert config is not None
        found[config.label] = module
    return found


def consent_counts(*, group: Group) -> tuple[int, int]:
    """(members who agreed to come along, members who did not)."""
    agreed = Membership.objects.filter(group=group, export_consent=True).count()
    return agreed, Membership.objects.filter(group=group).count() - agreed


def archive_name(group: Group) -> str:
    return f"{group.slug}-{timezone.now().date().isoformat()}.zip"


def archive_data(*, group: Group) -> dict[str, Any]:
    """What `group.json` holds: the header, the people, a section per app."""
    agreed = (
        Membership.objects.filter(group=group, export_consent=True)
        .select_related("user")
        .order_by("joined_at", "pk")
    )
    people: dict[int, str] = {}
    listed = []
    for n, membership in enumerate(agreed, start=1):
        user = membership.user
        people[user.pk] = f"p{n}"
        listed.append(
            {"key": f"p{n}", "name": user.name, "email": user.email,
             "timezone": user.timezone}
        )  # fmt: skip
    data: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": iso(timezone.now()),
        "site": settings.SITE_URL,
        "people": listed,
    }
    for label, module in _portable().items():
        data[label] = module.export_group(group=group, people=people)
    return data


def archive_build(*, group: Group) -> bytes:
    """The zip: `group.json` and the files apps add (`events.ics`)."""
    body = json.dumps(archive_data(group=group), ensure_ascii=False, indent=1)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(JSON_NAME, body)
        for module in _portable().values():
            export_files = getattr(module, "export_files", None)
            if export_files is not None:
                for name, content in export_files(group=group).items():
                    archive.writestr(name, content)
    return buffer.getvalue()


def archive_read(raw: bytes, *, name: str) -> dict[str, Any]:
    """`group.json` of the zip `raw` (called `name` in messages), its header checked.

    Raises ArchiveError for a file that is no zip, has no `group.json`, is
    damaged, too large, not JSON, or of another format or version.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, ValueError):
        raise ArchiveError(f"{name} is not a zip archive.") from None
    with archive:
        try:
            info = archive.getinfo(JSON_NAME)
        except KeyError:
            raise ArchiveError(
                f"{name} holds no {JSON_NAME}: it is not a group archive."
            ) from None
        if info.file_size > MAX_JSON_BYTES:
            raise ArchiveError(
                f"{name}: {JSON_NAME} is larger than {MAX_JSON_BYTES:,} bytes."
            )
        try:
            # Reading stops at the size the zip declares, checked above.
            with archive.open(info) as member:
                body = member.read(MAX_JSON_BYTES + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError,
                RuntimeError) as error:  # fmt: skip
            raise ArchiveError(f"{name} is damaged: {error}.") from None
    if len(body) > MAX_JSON_BYTES:
        raise ArchiveError(
            f"{name}: {JSON_NAME} is larger than {MAX_JSON_BYTES:,} bytes."
        )
    try:
        data = json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError) as error:
        raise ArchiveError(f"{JSON_NAME} is not valid JSON: {error}.") from None
    if not isinstance(data, dict):
        raise ArchiveError(f"{JSON_NAME} is not an object.")
    found = data.get("format")
    if found != FORMAT:
        raise ArchiveError(
            f"This is not a meetings group archive (format “{shown(found)}”)."
        )
    version = data.get("version")
    if type(version) is not int or version != VERSION:
        raise ArchiveError(
            f"This archive is version {shown(repr(version))}; "
            f"this site reads version {VERSION}."
        )
    return data


@dataclass
class ImportSummary:
    """What an import made, for the command's one line."""

    group: Group
    owners: list[str]
    members: int
    new_accounts: int
    parts: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        accounts = f"{self.new_accounts} new account{_s(self.new_accounts)}"
        parts = [f"{self.members} member{_s(self.members)} ({accounts})", *self.parts]
        return (
            f"Imported {self.group.name} as {self.group.slug}, owned by "
            f"{', '.join(self.owners)}: {', '.join(parts)}."
        )


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def group_import(
    *, data: dict[str, Any], owner_email: str, slug: str | None = None
) -> ImportSummary:
    """Create the archive's group here, in one transaction; `data` from archive_read.

    The people who came along join with the accounts of their addresses, or
    new unverified ones; `owner_email` (an account made if needed) owns the
    group, beside the owners who came along. Raises ArchiveError, storing
    nothing, for a slug or an event UID in use here or any bad value.
    Side effects: none beyond the rows; no email is sent (the new site's
    owners tell their members, who sign in with a link as anyone does).
    """
    modules = _portable()
    readers = {
        label: module
        for label, module in modules.items()
        if getattr(module, "import_group", None) is not None
    }
    warnings = [
        f"skipped the section “{key}”; this site has nothing that reads it."
        for key in data
        if key not in HEADER and key not in readers
    ]
    try:
        with transaction.atomic():
            section = data.get("groups")
            if not isinstance(section, dict):
                raise ArchiveError("groups: the section is missing or not an object.")
            group = portability.group_from(section, slug=slug)
            people, new_accounts = _people(data)
            parts = []
            for label, module in readers.items():
                if label not in data:
                    continue
                if not isinstance(data[label], dict):
                    raise ArchiveError(f"{label}: not an object.")
                part = module.import_group(group=group, data=data[label], people=people)
                if part:
                    parts.append(part)
            owner, created = _owner(group, owner_email)
    except (IntegrityError, DataError) as error:
        # The checks above should leave nothing for the database to refuse.
        first = str(error).strip().splitlines()[0]
        raise ArchiveError(f"The database refused the archive: {first}") from None
    others = Membership.objects.filter(group=group, role=Membership.Role.OWNER)
    owners = [owner.email] + sorted(
        set(others.values_list("user__email", flat=True)) - {owner.email}
    )
    return ImportSummary(
        group=group,
        owners=owners,
        members=Membership.objects.filter(group=group).count(),
        new_accounts=new_accounts + created,
        parts=parts,
        warnings=warnings,
    )


def _people(data: dict[str, Any]) -> tuple[dict[str, User], int]:
    """The archive's people as accounts here (key -> User), and how many are new."""
    wanted: dict[str, User] = {}
    emails: set[str] = set()
    for n, row in enumerate(rows(data, "people", "")):
        where = f"people[{n}]"
        key = text(row, "key", where)
        user = User(
            email=normalize_email(text(row, "email", where)),
            name=text(row, "name", where).strip(),
            timezone=text(row, "timezone", where),
        )
        user.set_unusable_password()
        checked(user, where)
        if key in wanted:
            raise ArchiveError(f"{where}.key: “{key}” is listed twice.")
        if user.email in emails:
            raise ArchiveError(f"{where}.email: {user.email} is listed twice.")
        wanted[key] = user
        emails.add(user.email)
    existing = {u.email: u for u in User.objects.filter(email__in=list(emails))}
    new = [u for u in wanted.values() if u.email not in existing]
    User.objects.bulk_create(new)
    people = {key: existing.get(u.email, u) for key, u in wanted.items()}
    return people, len(new)


def _owner(group: Group, email: str) -> tuple[User, int]:
    """The named owner's account (made if needed) as an owner of `group`."""
    owner = User.objects.filter(email=normalize_email(email)).first()
    created = owner is None
    if owner is None:
        owner = User.objects.create_user(email, email.split("@")[0])
    Membership.objects.update_or_create(
        user=owner, group=group, defaults={"role": Membership.Role.OWNER}
    )
    return owner, int(created)
