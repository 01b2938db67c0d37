"""The notifications section of a group's archive: who asked for less email.

A person who came along and had turned off a kind of email from the group
(new events, the owners' messages, updates) keeps it off at the new site, so
the move does not start sending them what they had stopped.
"""

from __future__ import annotations

from typing import Any

from core.archiving import ArchiveError, checked, iso, moment, person, rows, text

from .models import OptOut


def export_group(*, group: Any, people: dict[int, str]) -> dict[str, Any]:
    """The group's opt-outs of `people` (user id -> key in the archive)."""
    opt_outs = OptOut.objects.filter(group=group, user_id__in=list(people)).order_by(
        "user_id", "topic"
    )
    return {
        "opt_outs": [
            {
                "person": people[o.user_id],
                "topic": o.topic,
                "created_at": iso(o.created_at),
            }
            for o in opt_outs
        ]
    }


def import_group(*, group: Any, data: dict[str, Any], people: dict[str, Any]) -> str:
    """The opt-outs of the people who came along."""
    opt_outs = []
    seen: set[tuple[int, str]] = set()
    for n, row in enumerate(rows(data, "opt_outs", "notifications")):
        where = f"notifications.opt_outs[{n}]"
        opt_out = OptOut(
            group=group,
            user=person(row, "person", where, people),
            topic=text(row, "topic", where),
            created_at=moment(row, "created_at", where),
        )
        checked(opt_out, where)
        if (opt_out.user.pk, opt_out.topic) in seen:
            raise ArchiveError(f"{where}: the same opt-out twice.")
        seen.add((opt_out.user.pk, opt_out.topic))
        opt_outs.append(opt_out)
    OptOut.objects.bulk_create(opt_outs)
    n = len(opt_outs)
    return f"{n} email opt-out{'s' if n != 1 else ''}"
