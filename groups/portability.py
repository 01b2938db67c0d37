"""The groups section of a group's archive: the group, and who is in it.

Only members who agreed to come along (`Membership.export_consent`) are rows,
with their role and joining date; the others are one count. The archive
(`groups.archive`) finds this module by name, like every app's `portability`.
"""

from __future__ import annotations

from typing import Any

from accounts.models import User
from core.archiving import (
    ArchiveError,
    checked,
    field,
    iso,
    moment,
    person,
    rows,
    text,
)

from .models import Group, Membership


def export_group(*, group: Group, people: dict[int, str]) -> dict[str, Any]:
    """The group's settings, its members who agreed, and how many did not."""
    agreed = (
        Membership.objects.filter(group=group, export_consent=True)
        .order_by("joined_at", "pk")
        .values_list("user_id", "role", "joined_at")
    )
    left_out = Membership.objects.filter(group=group, export_consent=False).count()
    return {
        "group": {
            "name": group.name,
            "slug": group.slug,
            "description": group.description,
            "location": group.location,
            "timezone": group.timezone,
            "created_at": iso(group.created_at),
        },
        "members": [
            {"person": people[user_id], "role": role, "joined_at": iso(joined_at)}
            for user_id, role, joined_at in agreed
            # Someone who agreed after the people were listed waits for the next.
            if user_id in people
        ],
        "members_left_out": left_out,
    }


def group_from(data: dict[str, Any], *, slug: str | None = None) -> Group:
    """A new group from the section's settings, saved under `slug` if given.

    Raises ArchiveError, storing nothing, for a bad value or a slug in use.
    """
    where = "groups.group"
    row = field(data, "group", "groups")
    group = Group(
        name=text(row, "name", where),
        slug=slug or text(row, "slug", where),
        description=text(row, "description", where, multiline=True),
        location=text(row, "location", where),
        timezone=text(row, "timezone", where),
        created_at=moment(row, "created_at", where),
    )
    checked(group, where)
    if Group.objects.filter(slug=group.slug).exists():
        raise ArchiveError(
            f"A group with the slug “{group.slug}” exists already; "
            "choose another with --slug."
        )
    group.save()
    return group


def import_group(*, group: Group, data: dict[str, Any], people: dict[str, User]) -> str:
    """Memberships for the members who came along, keeping roles and dates.

    They agreed to come along, and the choice stays theirs here. Returns ""
    (the archive counts members itself).
    """
    memberships = []
    seen: set[int] = set()
    for n, row in enumerate(rows(data, "members", "groups")):
        where = f"groups.members[{n}]"
        user = person(row, "person", where, people)
        if user.pk in seen:
            raise ArchiveError(f"{where}.person: “{row['person']}” is listed twice.")
        seen.add(user.pk)
        membership = Membership(
            group=group,
            user=user,
            role=text(row, "role", where),
            joined_at=moment(row, "joined_at", where),
            export_consent=True,
        )
        memberships.append(checked(membership, where))
    Membership.objects.bulk_create(memberships)
    return ""
