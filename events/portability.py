"""The events section of a group's archive: every event, and who replied.

Events keep their calendar UID and SEQUENCE, so calendars that hold them see
the same events after the move. Replies are rows only for the people who
agreed to come along; everyone else's are counts per status. `events.ics`
beside the JSON is the group's calendar, for calendar apps (it is never read
back: the JSON is the archive).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from django.db.models import Count

from accounts.models import User
from core.archiving import (
    ArchiveError,
    checked,
    iso,
    key_of,
    moment,
    moment_or_none,
    number,
    number_or_none,
    person,
    person_or_none,
    rows,
    text,
)
from groups.models import Group

from . import calendar
from .models import Event, Rsvp


def export_group(*, group: Group, people: dict[int, str]) -> dict[str, Any]:
    """Every event of the group with the replies of `people` (user id -> key)."""
    events = list(Event.objects.filter(group=group).order_by("start", "pk"))
    totals: Counter[tuple[int, str]] = Counter()
    for event_id, status, n in (
        Rsvp.objects.filter(event__group=group)
        .order_by()
        .values_list("event_id", "status")
        .annotate(n=Count("*"))
    ):
        totals[event_id, status] = n
    replies: dict[int, list[dict[str, Any]]] = defaultdict(list)
    taken: Counter[tuple[int, str]] = Counter()
    agreed = Rsvp.objects.filter(
        event__group=group,
        user__memberships__group=group,
        user__memberships__export_consent=True,
    ).order_by("created_at", "pk")
    for reply in agreed:
        if reply.user_id not in people:  # agreed after the people were listed
            continue
        taken[reply.event_id, reply.status] += 1
        replies[reply.event_id].append(
            {
                "person": people[reply.user_id],
                "status": reply.status,
                "waitlisted_at": iso(reply.waitlisted_at),
                "created_at": iso(reply.created_at),
                "updated_at": iso(reply.updated_at),
            }
        )
    return {
        "events": [
            {
                **_event_fields(event, people),
                "replies": replies[event.pk],
                "replies_left_out": {
                    status: totals[event.pk, status] - taken[event.pk, status]
                    for status in Rsvp.Status.values
                },
            }
            for event in events
        ]
    }


def _event_fields(event: Event, people: dict[int, str]) -> dict[str, Any]:
    return {
        "uid": event.uid,
        "sequence": event.sequence,
        "title": event.title,
        "description": event.description,
        "start": iso(event.start),
        "end": iso(event.end),
        "timezone": event.timezone,
        "venue": event.venue,
        "online_url": event.online_url,
        "capacity": event.capacity,
        "status": event.status,
        "cancel_message": event.cancel_message,
        "reminded_at": iso(event.reminded_at),
        "created_at": iso(event.created_at),
        "updated_at": iso(event.updated_at),
        "created_by": key_of(people, event.created_by_id),
        "updated_by": key_of(people, event.updated_by_id),
    }


def export_files(*, group: Group) -> dict[str, bytes]:
    """`events.ics`: every event, with its online link (the owners' own data)."""
    events = Event.objects.filter(group=group).order_by("start", "pk")
    return {"events.ics": calendar.feed_ics(events, name=group.name, online=True)}


def import_group(*, group: Group, data: dict[str, Any], people: dict[str, User]) -> str:
    """The events and replies, as they were; no email goes out.

    Raises ArchiveError, storing nothing, for a bad value or a UID that is here
    already (an event is in one group of one site).
    """
    events: dict[str, Event] = {}
    replies: list[Rsvp] = []
    for n, row in enumerate(rows(data, "events", "events")):
        where = f"events.events[{n}]"
        event = _event(group, row, where, people)
        if event.uid in events:
            raise ArchiveError(f"{where}.uid: {event.uid} is in the archive twice.")
        events[event.uid] = event
        seen: set[int] = set()
        for m, reply_row in enumerate(rows(row, "replies", where)):
            reply = _reply(event, reply_row, f"{where}.replies[{m}]", people)
            if reply.user.pk in seen:
                raise ArchiveError(
                    f"{where}.replies[{m}]: a second reply from the same person."
                )
            seen.add(reply.user.pk)
            replies.append(reply)
    clash = (
        Event.objects.filter(uid__in=list(events))
        .order_by("uid")
        .values_list("uid", flat=True)
        .first()
    )
    if clash is not None:
        raise ArchiveError(
            f"An event with the UID {clash} exists here already; this group was "
            "imported before, or the event came from its calendar."
        )
    Event.objects.bulk_create(events.values())
    Rsvp.objects.bulk_create(replies)
    return (
        f"{len(events)} event{'s' if len(events) != 1 else ''}, "
        f"{len(replies)} repl{'ies' if len(replies) != 1 else 'y'}"
    )


def _event(
    group: Group, row: dict[str, Any], where: str, people: dict[str, User]
) -> Event:
    event = Event(
        group=group,
        uid=text(row, "uid", where),
        sequence=number(row, "sequence", where),
        title=text(row, "title", where),
        description=text(row, "description", where, multiline=True),
        start=moment(row, "start", where),
        end=moment(row, "end", where),
        timezone=text(row, "timezone", where),
        venue=text(row, "venue", where),
        online_url=text(row, "online_url", where),
        capacity=number_or_none(row, "capacity", where),
        status=text(row, "status", where),
        cancel_message=text(row, "cancel_message", where, multiline=True),
        reminded_at=moment_or_none(row, "reminded_at", where),
        created_at=moment(row, "created_at", where),
        updated_at=moment(row, "updated_at", where),
        created_by=person_or_none(row, "created_by", where, people),
        updated_by=person_or_none(row, "updated_by", where, people),
    )
    # The table's own constraints, in words (the database would only refuse).
    if event.end <= event.start:
        raise ArchiveError(f"{where}: The end must be after the start.")
    if event.capacity == 0:
        raise ArchiveError(f"{where}.capacity: a capacity is 1 or more, or null.")
    if not event.uid:
        raise ArchiveError(f"{where}.uid: an event needs a UID.")
    return checked(event, where)


def _reply(
    event: Event, row: dict[str, Any], where: str, people: dict[str, User]
) -> Rsvp:
    reply = Rsvp(
        event=event,
        user=person(row, "person", where, people),
        status=text(row, "status", where),
        waitlisted_at=moment_or_none(row, "waitlisted_at", where),
        created_at=moment(row, "created_at", where),
        updated_at=moment(row, "updated_at", where),
    )
    return checked(reply, where)
