"""Unconference actions shared by views, the command, the task and the demo.

Also the thin adapter between our rows and the pure scheduler
(`unconference.scheduler`): `build_instance` turns rows into a
`scheduler.Problem` whose keys carry names (so the scheduler's own messages
read well), and `ScheduleRun.assignment` stores its answers as primary keys.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from events.models import Event, Rsvp
from notifications import email
from notifications.outbox import To

from . import scheduler
from .models import (
    Interest,
    Room,
    ScheduleRun,
    Session,
    Slot,
    Unconference,
    title_key,
)

logger = logging.getLogger(__name__)

#: The form names the clashing session; this is for two submits at once.
TITLE_TAKEN = (
    "There is a session with this title in this event already (titles are "
    "compared ignoring case and spaces). Choose another title."
)
#: A queued or running run older than this is taken to be lost (worker gone).
STALE_AFTER = timedelta(minutes=15)


class UnconferenceError(Exception):
    """An action that cannot be done; the message is shown to the person."""


# --- the adapter to the scheduler ---------------------------------------------


@dataclass(frozen=True)
class Key:
    """A scheduler key: equal by kind and pk, printed by name."""

    kind: str
    pk: int
    label: str = field(default="", compare=False)

    def __repr__(self) -> str:
        return f"“{self.label or self.pk}”"


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
    interest: dict[Key, dict[Key, int]] = {}
    for user_id, name, session_id, level in _attending_interest(unconference):
        if weights[level] > 0:
            person = Key("person", user_id, name)
            interest.setdefault(person, {})[session_key[session_id]] = weights[level]
    proposers = {
        session_key[pk]: frozenset({Key("person", s.proposer_id, s.proposer.name)})
        for pk, s in sessions.items()
        if s.proposer_id is not None
    }
    allowed, pins = {}, {}
    if rules:
        for pk, s in sessions.items():
            barred = {t.pk for t in s.unavailable_slots.all()}
            barred |= {t.pk for t in s.excluded_slots.all()}
            if barred & slots.keys():
                allowed[session_key[pk]] = frozenset(
                    slot_key[t] for t in slots if t not in barred
                )
            if s.pinned_slot_id in slots:
                room = room_key.get(s.pinned_room_id)
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


def _attending_interest(unconference: Unconference):
    return Interest.objects.filter(
        session__unconference=unconference,
        user__rsvps__event_id=unconference.event_id,
        user__rsvps__status=Rsvp.Status.ATTENDING,
    ).values_list("user_id", "user__name", "session_id", "level")


def run_violations(run: ScheduleRun) -> list[str]:
    """The hard rules a stored timetable breaks under today's data (empty: none)."""
    instance = build_instance(run.unconference)
    return scheduler.validate(instance.problem, instance.to_assignment(run.cells))


# --- setting up -----------------------------------------------------------------


def unconference_enable(*, event: Event) -> Unconference:
    """Turn unconference mode on (creating its settings with the defaults)."""
    if event.is_cancelled:
        raise UnconferenceError("A cancelled event cannot become an unconference.")
    with transaction.atomic():
        unconference, created = Unconference.objects.get_or_create(event=event)
        if not created and not unconference.enabled:
            unconference.enabled = True
            unconference.save(update_fields=["enabled"])
    return unconference


def slot_delete(*, slot: Slot) -> None:
    """Delete a slot; sessions pinned to it lose their pin (room included)."""
    with transaction.atomic():
        Session.objects.filter(pinned_slot=slot).update(
            pinned_slot=None, pinned_room=None
        )
        slot.delete()


def proposal_limit(unconference: Unconference) -> int:
    """At most as many proposals per person as there are (non-break) slots."""
    return Slot.objects.filter(unconference=unconference, is_break=False).count()


# --- proposals and interest -----------------------------------------------------


def _check_can_propose(unconference: Unconference) -> None:
    event = unconference.event
    if event.is_cancelled or event.is_past:
        raise UnconferenceError("This event is over or cancelled.")
    if not unconference.proposals_open:
        raise UnconferenceError("Proposals are closed for this event.")


def session_propose(
    *, unconference: Unconference, by, title: str, description: str, unavailable_slots
) -> Session:
    """Propose a session. The unconference row is locked while the person's
    proposals are counted, so two quick submits cannot pass the limit."""
    _check_can_propose(unconference)
    with transaction.atomic():
        Unconference.objects.select_for_update().get(pk=unconference.pk)
        limit = proposal_limit(unconference)
        if limit == 0:
            raise UnconferenceError(
                "The owners have not set up session slots yet; proposals open then."
            )
        mine = Session.objects.filter(unconference=unconference, proposer=by).count()
        if mine >= limit:
            raise UnconferenceError(
                f"You have proposed {mine} sessions, as many as there are slots "
                f"({limit}). Withdraw one to propose another."
            )
        now = timezone.now()
        try:
            with transaction.atomic():
                session = Session.objects.create(
                    unconference=unconference,
                    proposer=by,
                    title=title,
                    title_key=title_key(title),
                    description=description,
                    created_at=now,
                    updated_at=now,
                )
        except IntegrityError as error:
            raise UnconferenceError(TITLE_TAKEN) from error
        session.unavailable_slots.set(unavailable_slots)
    return session


def session_update(
    *, session: Session, title: str, description: str, unavailable_slots
) -> Session:
    """The proposer edits their session; not after the timetable is published."""
    if session.unconference.is_published:
        raise UnconferenceError(
            "The timetable is published; ask the owners to change this session."
        )
    with transaction.atomic():
        session.title = title
        session.title_key = title_key(title)
        session.description = description
        session.updated_at = timezone.now()
        try:
            with transaction.atomic():
                session.save()
        except IntegrityError as error:
            raise UnconferenceError(TITLE_TAKEN) from error
        session.unavailable_slots.set(unavailable_slots)
    return session


def session_withdraw(*, session: Session) -> None:
    """Delete a proposal and the interest in it; not after publication."""
    if session.unconference.is_published:
        raise UnconferenceError(
            "The timetable is published; ask the owners to take this session out."
        )
    session.delete()


def interest_set(*, unconference: Unconference, user, levels: dict[int, str]) -> int:
    """Record a person's interest in sessions of this unconference.

    Unknown session pks and the person's own sessions (they count as "very")
    are skipped. Returns how many ratings were saved.
    """
    if not unconference.interest_open:
        raise UnconferenceError("Marking interest is closed for this event.")
    valid = set(Interest.Level.values)
    sessions = set(
        Session.objects.filter(unconference=unconference, pk__in=levels.keys())
        .exclude(proposer=user)
        .values_list("pk", flat=True)
    )
    now = timezone.now()
    rows = [
        Interest(session_id=pk, user=user, level=level, updated_at=now)
        for pk, level in levels.items()
        if pk in sessions and level in valid
    ]
    Interest.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["session", "user"],
        update_fields=["level", "updated_at"],
    )
    return len(rows)


# --- running the scheduler ----------------------------------------------------------


def schedule_blocker(unconference: Unconference) -> str:
    """Why a run cannot start now, or "" when it can."""
    if not Slot.objects.filter(unconference=unconference, is_break=False).exists():
        return "Add at least one session slot (not a break) first."
    if not Room.objects.filter(unconference=unconference).exists():
        return "Add at least one room first."
    if not Session.objects.filter(unconference=unconference).exists():
        return "There are no sessions to schedule yet."
    active = ScheduleRun.objects.filter(
        unconference=unconference,
        status__in=[ScheduleRun.Status.QUEUED, ScheduleRun.Status.RUNNING],
        created_at__gt=timezone.now() - STALE_AFTER,
    )
    if active.exists():
        return "A run is in progress already; its result shows here when it is done."
    return ""


def schedule_request(
    *, unconference: Unconference, by, seconds: float, seed: int, enqueue: bool = True
) -> ScheduleRun:
    """Create a run and queue it for the task worker.

    The task row is written in the same transaction as the run (the database
    task backend is transactional), so the worker never sees one without the
    other. Side effects: a task for `unconference.tasks.run_schedule`.
    """
    from .tasks import run_schedule

    with transaction.atomic():
        Unconference.objects.select_for_update().get(pk=unconference.pk)
        blocker = schedule_blocker(unconference)
        if blocker:
            raise UnconferenceError(blocker)
        run = ScheduleRun.objects.create(
            unconference=unconference, requested_by=by, seconds=seconds, seed=seed
        )
        if enqueue:
            run_schedule.enqueue(run.pk)
    return run


def schedule_execute(*, run_id: int) -> ScheduleRun | None:
    """Run the scheduler for a queued run and store the outcome.

    Claims the run with a conditional update (queued -> running), so a task
    delivered twice runs once; returns None when it was claimed already. The
    search runs outside any transaction. After a publication the published
    timetable is passed as `previous`, so few sessions move.
    """
    claimed = ScheduleRun.objects.filter(
        pk=run_id, status=ScheduleRun.Status.QUEUED
    ).update(status=ScheduleRun.Status.RUNNING, started_at=timezone.now())
    if claimed != 1:
        return None
    run = ScheduleRun.objects.select_related(
        "unconference__event", "unconference__published_run"
    ).get(pk=run_id)
    try:
        _solve_into(run)
    except UnconferenceError as error:
        _fail(run, str(error))
    except Exception:
        _fail(run, "The scheduler stopped with an error; the worker log has details.")
        raise
    return run


def _solve_into(run: ScheduleRun) -> None:
    unconference = run.unconference
    instance = build_instance(unconference)
    published = unconference.published_run
    previous = instance.to_assignment(published.cells) if published else None
    result = scheduler.solve(
        instance.problem, seconds=run.seconds, seed=run.seed, previous=previous
    )
    baseline = scheduler.evaluate(
        instance.problem, scheduler.random_assignment(instance.problem, seed=run.seed)
    )
    last = (
        ScheduleRun.objects.filter(
            unconference=unconference,
            status=ScheduleRun.Status.DONE,
            created_at__lte=run.created_at,
        )
        .exclude(pk=run.pk)
        .first()
    )
    run.status = ScheduleRun.Status.DONE
    run.based_on = published
    run.previous_run = last
    run.previous_utility = last.utility if last else None
    run.utility = result.utility
    run.upper_bound = result.upper_bound
    run.random_utility = baseline.utility
    run.overflow = result.overflow
    run.moved_from_published = len(result.changes) if published else None
    run.assignment = instance.to_cells(result.assignment)
    run.attendance = {
        str(s.pk): round(a, 2) for s, a in result.score.expected_attendance.items()
    }
    run.unplaced = [s.pk for s in result.unplaced]
    run.runtime = result.runtime
    run.finished_at = timezone.now()
    run.save()


def _fail(run: ScheduleRun, message: str) -> None:
    run.status = ScheduleRun.Status.FAILED
    run.error = message
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])


def schedule_adjust(
    *, run: ScheduleRun, by, session_id: int, slot_id: int, room_id: int
) -> ScheduleRun:
    """A new finished run: `run`'s timetable with one session moved by hand.

    A session already in the target cell swaps places with the moved one.
    The result must keep every hard rule (pins, availability, proposers in
    one place at a time); otherwise UnconferenceError lists what breaks.
    """
    if run.status != ScheduleRun.Status.DONE:
        raise UnconferenceError("Only a finished timetable can be adjusted.")
    instance = build_instance(run.unconference)
    cells = {s: c for s, c in run.cells.items() if s in instance.sessions}
    old = cells.get(session_id)
    for other, cell in list(cells.items()):
        if cell == (slot_id, room_id) and other != session_id:
            if old is None:
                del cells[other]
            else:
                cells[other] = old
    cells[session_id] = (slot_id, room_id)
    assignment = instance.to_assignment(cells)
    errors = scheduler.validate(instance.problem, assignment)
    if errors:
        raise UnconferenceError("That move breaks a rule: " + "; ".join(errors) + ".")
    score = scheduler.evaluate(instance.problem, assignment)
    published = run.unconference.published_run
    moved = None
    if published is not None:
        before = published.cells
        moved = sum(1 for s, c in cells.items() if s in before and before[s] != c)
    now = timezone.now()
    return ScheduleRun.objects.create(
        unconference=run.unconference,
        status=ScheduleRun.Status.DONE,
        seed=run.seed,
        seconds=0,
        requested_by=by,
        adjusted_from=run,
        previous_run=run,
        based_on=published,
        utility=score.utility,
        upper_bound=score.upper_bound,
        random_utility=run.random_utility,
        previous_utility=run.utility,
        overflow=score.overflow,
        moved_from_published=moved,
        assignment=instance.to_cells(assignment),
        attendance={
            str(s.pk): round(a, 2) for s, a in score.expected_attendance.items()
        },
        unplaced=[pk for pk in instance.sessions if pk not in cells],
        runtime=0,
        created_at=now,
        started_at=now,
        finished_at=now,
    )


# --- agendas and publishing -------------------------------------------------------


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
        interest = _attending_interest(unconference)
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

    def coverage(self, user_id: int, cells: dict[int, tuple[int, int]]):
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


def schedule_publish(*, run: ScheduleRun, by) -> list[int]:
    """Publish a finished run as the event's timetable.

    Returns the pks of the people emailed. Side effects: each person attending
    gets their personal agenda by email (one message each, since agendas
    differ) — on a re-publication only those whose agenda changed.
    """
    with transaction.atomic():
        unconference = (
            Unconference.objects.select_for_update(of=("self",))
            .select_related("event__group", "published_run")
            .get(pk=run.unconference_id)
        )
        run = ScheduleRun.objects.select_for_update().get(pk=run.pk)
        if run.status != ScheduleRun.Status.DONE:
            raise UnconferenceError("Only a finished run can be published.")
        old = unconference.published_run
        if old is not None and old.pk == run.pk:
            raise UnconferenceError("This timetable is published already.")
        run.published_at = timezone.now()
        run.save(update_fields=["published_at"])
        unconference.published_run = run
        unconference.save(update_fields=["published_run"])
        programme = Programme.load(unconference)
        emailed = []
        for user in _attending_people(unconference.event):
            items = programme.agenda(user.pk, run.cells)
            if old is not None and agenda_signature(items) == agenda_signature(
                programme.agenda(user.pk, old.cells)
            ):
                continue
            email.send_unconference_agenda(
                unconference=unconference,
                recipient=To(user.email, user.pk),
                name=user.name,
                agenda=items,
                coverage=programme.coverage(user.pk, run.cells),
                changed=old is not None,
            )
            emailed.append(user.pk)
    return emailed


def _attending_people(event: Event):
    from accounts.models import User

    return User.objects.filter(
        rsvps__event=event, rsvps__status=Rsvp.Status.ATTENDING, is_active=True
    ).order_by("pk")
