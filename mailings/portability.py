"""The mailings section of a group's archive: the messages the owners sent.

Subject, text, audience, the event it was about (by UID), its author when
they came along, how many it went to and when. Drafts stay behind, and so do
the delivery rows: who got a message is about people who may not come along.
"""

from __future__ import annotations

from typing import Any

from accounts.models import User
from core.archiving import (
    ArchiveError,
    checked,
    field,
    iso,
    key_of,
    moment,
    number,
    person_or_none,
    rows,
    text,
)
from events.models import Event
from groups.models import Group

from .models import Mailing


def export_group(*, group: Group, people: dict[int, str]) -> dict[str, Any]:
    """The group's sent mailings, oldest first."""
    sent = (
        Mailing.objects.filter(group=group, queued_at__isnull=False)
        .select_related("event")
        .order_by("queued_at", "pk")
    )
    return {
        "mailings": [
            {
                "subject": m.subject,
                "body": m.body,
                "audience": m.audience,
                "event": m.event.uid if m.event else None,
                "author": key_of(people, m.author_id),
                "recipient_count": m.recipient_count,
                "created_at": iso(m.created_at),
                "queued_at": iso(m.queued_at),
            }
            for m in sent
        ]
    }


def import_group(*, group: Group, data: dict[str, Any], people: dict[str, User]) -> str:
    """The sent mailings, for the history page; nothing is sent again.

    Runs after the events' import (INSTALLED_APPS order), so events named by
    UID are found.
    """
    events = {e.uid: e for e in Event.objects.filter(group=group)}
    mailings = []
    for n, row in enumerate(rows(data, "mailings", "mailings")):
        where = f"mailings.mailings[{n}]"
        uid = field(row, "event", where)
        if uid is not None and uid not in events:
            raise ArchiveError(f"{where}.event: no event with the UID “{uid}”.")
        mailing = Mailing(
            group=group,
            event=events.get(uid) if uid is not None else None,
            audience=text(row, "audience", where),
            subject=text(row, "subject", where),
            body=text(row, "body", where, multiline=True),
            author=person_or_none(row, "author", where, people),
            recipient_count=number(row, "recipient_count", where),
            created_at=moment(row, "created_at", where),
            queued_at=moment(row, "queued_at", where),
        )
        mailings.append(checked(mailing, where))
    Mailing.objects.bulk_create(mailings)
    return f"{len(mailings)} mailing{'s' if len(mailings) != 1 else ''}"
