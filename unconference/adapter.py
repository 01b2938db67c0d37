"""The adapter between our rows and the pure scheduler (`unconference.scheduler`).

`build_instance` turns an unconference's rows into a `scheduler.Problem` whose
keys carry names (so the scheduler's own messages read well), and
`Instance.to_cells` turns the answer into the primary keys a
`ScheduleRun.assignment` stores.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import cast

from events.models import Rsvp

from . import scheduler
from .errors import UnconferenceError
from .models import Interest, Room, ScheduleRun, Session, Slot, Unconference


@dataclass(frozen=True)
class Key:
    """A scheduler key: equal by kind and pk, printed by name."""

    kind: str
    pk: int
    label: str = field(default="", compare=False)

    def __repr__(self) -> str:
        return f"“{self.label or self.pk}”"


def key_pk(key: Hashable) -> int:
    """The pk in a key the scheduler hands back, which is always one of ours."""
    return cast(Key, key).pk


@dataclass
class Instance:
    """Our rows as a scheduler problem, plus the rows by pk to read answers."""

    problem: scheduler.Problem
    sessions: dict[int, Session]
    slots: dict[int, Slot]
    rooms: dict[int, Room]
    keys: dict[tuple[str, int], Key]

    def to_assignment(self, cells: dict[int, tuple[int, int]]) -> dict:
        """Stored cells as scheduler keys, dropping rows that no longer exist."""
        return {
            self._key("session", s): (self._key("slot", t), self._key("room", r))
            for s, (t, r) in cells.items()
            if s in self.sessions and t in self.slots and r in self.rooms
        }

    def to_cells(self, assignment) -> dict[str, list[int]]:
        return {str(s.pk): [t.pk, r.pk] for s, (t, r) in assignment.items()}

    def _key(self, kind: str, pk: int) -> Key:
        return self.keys[(kind, pk)]


def build_instance(unconference: Unconference, *, rules: bool = True) -> Instance:
    """The scheduler problem for an unconference.

    Slots are the non-break slots; interest counts only people attending the
    event now; a proposer counts as "very" for their own session. With
    `rules` off, pins and slot restrictions are left out (to score a timetable
    as it stands). Raises UnconferenceError with a readable message when the
    owners' pins contradict each other or a proposer's availability.
    """
    slots = {
        t.pk: t
        for t in Slot.objects.filter(unconference=unconference, is_break=False)
        .select_related("unconference__event")
        .order_by("start", "pk")
    }
    rooms = {r.pk: r for r in Room.objects.filter(unconference=unconference)}
    sessions = {
        s.pk: s
        for s in Session.objects.filter(unconference=unconference)
        .select_related("proposer")
        .prefetch_related("unavailable_slots", "excluded_slots")
    }
    slot_key = {pk: Key("slot", pk, str(t)) for pk, t in slots.items()}
    room_key = {pk: Key("room", pk, r.name) for pk, r in rooms.items()}
    session_key = {pk: Key("session", pk, s.title) for pk, s in sessions.items()}
    weights = unconference.weights
    # Keyed by Hashable, as Problem takes them (mappings are invariant in keys).
    interest: dict[Hashable, dict[Hashable, int]] = {}
    for user_id, name, session_id, level in attending_interest(unconference):
        if weights[level] > 0:
            person = Key("person", user_id, name)
            interest.setdefault(person, {})[session_key[session_id]] = weights[level]
    proposers: dict[Hashable, frozenset[Hashable]] = {
        session_key[pk]: frozenset({Key("person", s.proposer_id, s.proposer.name)})
        for pk, s in sessions.items()
        if s.proposer_id is not None and s.proposer is not None
    }
    allowed: dict[Hashable, frozenset[Hashable]] = {}
    pins: dict[Hashable, tuple[Hashable, Hashable | None]] = {}
    if rules:
        for pk, s in sessions.items():
            barred = {t.pk for t in s.unavailable_slots.all()}
            barred |= {t.pk for t in s.excluded_slots.all()}
            if barred & slots.keys():
                allowed[session_key[pk]] = frozenset(
                    slot_key[t] for t in slots if t not in barred
                )
            if s.pinned_slot_id in slots:
                room = (
                    None if s.pinned_room_id is None else room_key.get(s.pinned_room_id)
                )
                pins[session_key[pk]] = (slot_key[s.pinned_slot_id], room)
    try:
        problem = scheduler.Problem(
            slots=list(slot_key.values()),
            rooms=[scheduler.Room(room_key[pk], r.capacity) for pk, r in rooms.items()],
            sessions=list(session_key.values()),
            interest=interest,
            proposers=proposers,
            allowed_slots=allowed,
            pins=pins,
            proposer_weight=unconference.weight_very,
        )
    except ValueError as error:
        message = str(error).replace("Invalid unconference problem: ", "")
        raise UnconferenceError(message) from error
    keys = {
        (k.kind, k.pk): k
        for k in [*slot_key.values(), *room_key.values(), *session_key.values()]
    }
    return Instance(
        problem=problem, sessions=sessions, slots=slots, rooms=rooms, keys=keys
    )


def attending_interest(unconference: Unconference):
    """(user id, name, session id, level) of the people attending the event now."""
    return Interest.objects.filter(
        session__unconference=unconference,
        user__rsvps__event_id=unconference.event_id,
        user__rsvps__status=Rsvp.Status.ATTENDING,
    ).values_list("user_id", "user__name", "session_id", "level")


def run_violations(run: ScheduleRun) -> list[str]:
    """The hard rules a stored timetable breaks under today's data (empty: none)."""
    instance = build_instance(run.unconference)
    return scheduler.validate(instance.problem, instance.to_assignment(run.cells))
