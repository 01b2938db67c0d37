"""Read-only views of a timetable: the slots x rooms grid, attendance, an .ics."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from core.conditional import entity_tag
from core.links import absolute_url
from notifications import ical

from .models import Room, ScheduleRun, Session, Slot


@dataclass(frozen=True)
class Cell:
    room: Room
    session: Session | None
    attendance: float | None
    over: bool


@dataclass(frozen=True)
class Row:
    slot: Slot
    cells: list[Cell]


def grid(
    *,
    slots: list[Slot],
    rooms: list[Room],
    sessions: dict[int, Session],
    run: ScheduleRun,
) -> list[Row]:
    """One row per slot (breaks included, with no cells), one cell per room."""
    at = {(t, r): s for s, (t, r) in run.cells.items() if s in sessions}
    rows = []
    for slot in slots:
        cells = []
        if not slot.is_break:
            for room in rooms:
                s = at.get((slot.pk, room.pk))
                expected = run.attendance.get(str(s)) if s is not None else None
                cells.append(
                    Cell(
                        room=room,
                        session=None if s is None else sessions.get(s),
                        attendance=expected,
                        over=expected is not None and expected > room.capacity,
                    )
                )
        rows.append(Row(slot=slot, cells=cells))
    return rows


@dataclass(frozen=True)
class Attendance:
    session: Session
    slot: Slot
    room: Room
    expected: float

    @property
    def over_by(self) -> float:
        return max(0.0, self.expected - self.room.capacity)


def attendance(
    *, run: ScheduleRun, sessions: dict, slots: dict, rooms: dict
) -> list[Attendance]:
    """Expected attendance of each placed session against its room, fullest first."""
    rows = [
        Attendance(
            session=sessions[s],
            slot=slots[t],
            room=rooms[r],
            expected=run.attendance.get(str(s), 0.0),
        )
        for s, (t, r) in run.cells.items()
        if s in sessions and t in slots and r in rooms
    ]
    return sorted(rows, key=lambda a: (-a.expected / a.room.capacity, a.session.title))


def moved_between(a: ScheduleRun | None, b: ScheduleRun | None) -> int | None:
    """How many sessions placed in both runs sit in a different cell."""
    if a is None or b is None:
        return None
    cells_a, cells_b = a.cells, b.cells
    return sum(1 for s, c in cells_b.items() if s in cells_a and cells_a[s] != c)


# Raise when the same agenda starts to make different bytes (see agenda_etag).
AGENDA_FORMAT = 1


def agenda_ics(*, event, items, name: str, revised) -> bytes:
    """A person's agenda as an iCalendar file: one event per agenda item.

    A published file (no METHOD): each DTSTAMP is the last revision of what
    the item shows that has a time (the timetable's publication at `revised`,
    the session, the event), so the same agenda always makes the same bytes.
    """
    cal = ical.calendar(name=name)
    url = absolute_url(event.get_absolute_url())
    for item in items:
        ve = ical.vevent(
            uid=f"session-{item.session.pk}-{event.uid}",
            start=item.slot.start,
            end=item.slot.end,
            zone=event.zone,
            stamp=max(
                filter(None, [revised, event.updated_at, item.session.updated_at])
            ),
        )
        ve.add("summary", item.session.title)
        where = [item.room.name if item.room else "", event.venue]
        location = ", ".join(p for p in where if p)
        if location:
            ve.add("location", location)
        ve.add("description", f"{event.title}\n\n{url}")
        ve.add("url", absolute_url(item.session.get_absolute_url()))
        cal.add_component(ve)
    if items:
        ical.add_timezones(cal, first=items[0].slot.start, last=items[-1].slot.end)
    return cal.to_ical()


def agenda_etag(*, event, items, name: str, revised) -> str:
    """The entity tag of `agenda_ics` with the same arguments: every value it
    writes, taken from the agenda already worked out (slots and rooms keep no
    change time, so the values themselves are the validator)."""
    shown = [
        (
            i.session.pk, i.session.title, i.session.updated_at, i.slot.start,
            i.slot.end, i.room.name if i.room else "",
        )
        for i in items
    ]  # fmt: skip
    return entity_tag(
        "agenda", AGENDA_FORMAT, settings.SITE_URL, name, revised, event.pk,
        event.uid, event.title, event.venue, event.timezone, event.updated_at,
        shown,
    )  # fmt: skip
