"""Personal agendas: what each person attends in a timetable (a read model).

`Programme.load` reads an unconference's slots, sessions, rooms and interest
once; `agenda` and `coverage` then work out any person's agenda for any
timetable without more queries.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import scheduler
from .adapter import Key, attending_interest
from .models import Room, Session, Slot, Unconference


@dataclass(frozen=True)
class AgendaItem:
    slot: Slot
    session: Session
    room: Room | None
    own: bool


@dataclass
class Programme:
    """Everything needed to work out personal agendas from a timetable."""

    unconference: Unconference
    slots: list[Slot]
    sessions: dict[int, Session]
    rooms: dict[int, Room]
    levels: dict[int, dict[int, str]]  # user pk -> session pk -> level

    @classmethod
    def load(cls, unconference: Unconference, *, user=None) -> Programme:
        """Load slots, sessions, rooms and (one person's or all attending
        people's) interest in four queries."""
        interest = attending_interest(unconference)
        if user is not None:
            interest = interest.filter(user=user)
        levels: dict[int, dict[int, str]] = {}
        for user_id, _name, session_id, level in interest:
            levels.setdefault(user_id, {})[session_id] = level
        return cls(
            unconference=unconference,
            slots=list(
                Slot.objects.filter(unconference=unconference).order_by("start", "pk")
            ),
            sessions={
                s.pk: s
                for s in Session.objects.filter(unconference=unconference)
                .select_related("proposer")
                .order_by("created_at", "pk")
            },
            rooms={r.pk: r for r in Room.objects.filter(unconference=unconference)},
            levels=levels,
        )

    def agenda(self, user_id: int, cells: dict[int, tuple[int, int]]) -> list:
        """Per slot, the session(s) this person rates highest there.

        A proposer is always at their own session. Ties show every session.
        """
        weights = self.unconference.weights
        mine = self.levels.get(user_id, {})
        by_slot: dict[int, list[tuple[int, int]]] = {}
        for s, (t, r) in cells.items():
            if s in self.sessions:
                by_slot.setdefault(t, []).append((s, r))
        items = []
        for slot in self.slots:
            placed = by_slot.get(slot.pk, [])
            own = [(s, r) for s, r in placed if self.sessions[s].proposer_id == user_id]
            chosen = own
            if not own:
                rated = [(weights[mine.get(s, "none")], s, r) for s, r in placed]
                top = max((w for w, _, _ in rated), default=0)
                chosen = [(s, r) for w, s, r in rated if w == top and top > 0]
            for s, r in sorted(chosen, key=lambda c: self.sessions[c[0]].title):
                items.append(
                    AgendaItem(
                        slot=slot,
                        session=self.sessions[s],
                        room=self.rooms.get(r),
                        own=bool(own),
                    )
                )
        return items

    def coverage(self, user_id: int, cells: dict[int, tuple[int, int]]) -> float | None:
        """Share of this person's interests the timetable lets them attend
        (None when they rated nothing and propose nothing)."""
        weights = self.unconference.weights
        ratings = {
            s: weights[level]
            for s, level in self.levels.get(user_id, {}).items()
            if weights[level] > 0 and s in self.sessions
        }
        own = {s for s, x in self.sessions.items() if x.proposer_id == user_id}
        for s in own:
            ratings[s] = max(ratings.get(s, 0), weights["very"])
        if not ratings:
            return None
        slots = [t for t in self.slots if not t.is_break]
        person = Key("person", user_id)
        problem = scheduler.Problem(
            slots=[Key("slot", t.pk) for t in slots],
            rooms=[
                scheduler.Room(Key("room", r), x.capacity)
                for r, x in self.rooms.items()
            ],
            sessions=[Key("session", s) for s in self.sessions],
            interest={person: {Key("session", s): w for s, w in ratings.items()}},
        )
        slot_pks = {t.pk for t in slots}
        assignment = {
            Key("session", s): (Key("slot", t), Key("room", r))
            for s, (t, r) in cells.items()
            if s in self.sessions and t in slot_pks and r in self.rooms
        }
        return scheduler.evaluate(problem, assignment).coverage[person]


def agenda_signature(items) -> tuple:
    return tuple(
        (i.slot.pk, i.session.pk, i.room.pk if i.room else None) for i in items
    )
