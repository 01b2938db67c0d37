"""The problem, the result and the solver (private: use unconference.scheduler)."""

from __future__ import annotations

import time
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from ._model import Compiled, State, assign_rooms, slot_attendance
from ._search import (
    active_sessions,
    anneal,
    empty_state,
    place_greedy,
    place_pins,
    place_previous,
    polish_overflow,
    ratings_per_step,
    repair,
)

SlotKey = Hashable
RoomKey = Hashable
SessionKey = Hashable
AttendeeKey = Hashable
Assignment = dict[SessionKey, tuple[SlotKey, RoomKey]]

#: Default numbers for the interest levels an attendee can pick. The web side
#: maps its choices through this (or its own table) before building a Problem.
INTEREST_WEIGHTS: Mapping[str, int] = MappingProxyType(
    {"none": 0, "a_little": 1, "yes": 3, "very": 4}
)


@dataclass(frozen=True)
class Room:
    """A room that can host one session per slot."""

    key: RoomKey
    capacity: int


@dataclass(frozen=True)
class Problem:
    """Everything the scheduler needs to know; validated on creation.

    ``interest[attendee][session]`` is a non-negative integer weight
    (missing = 0). Each proposer counts as rating their own session at least
    ``proposer_weight``; proposers need not appear in ``interest``.
    ``allowed_slots`` restricts a session to some slots (missing = all).
    ``pins`` fixes a session to ``(slot, room)`` or ``(slot, None)``.

    Raises:
        ValueError: listing every unknown key, negative weight and
            contradictory pin found.
    """

    slots: Sequence[SlotKey]
    rooms: Sequence[Room]
    sessions: Sequence[SessionKey]
    interest: Mapping[AttendeeKey, Mapping[SessionKey, int]]
    proposers: Mapping[SessionKey, frozenset[AttendeeKey]] = field(default_factory=dict)
    allowed_slots: Mapping[SessionKey, frozenset[SlotKey]] = field(default_factory=dict)
    pins: Mapping[SessionKey, tuple[SlotKey, RoomKey | None]] = field(
        default_factory=dict
    )
    proposer_weight: int = INTEREST_WEIGHTS["very"]

    def __post_init__(self) -> None:
        errors = _problem_errors(self)
        if errors:
            raise ValueError("Invalid unconference problem: " + "; ".join(errors))


@dataclass(frozen=True)
class Score:
    """How good a timetable is.

    ``coverage[attendee]`` is their utility divided by their own upper bound
    (the sum of their ``len(slots)`` highest ratings), for "your schedule
    covers X% of your interests"; it is 1.0 for someone who rated nothing.
    """

    utility: int
    upper_bound: int
    overflow: float
    attendance: float
    expected_attendance: dict[SessionKey, float]
    coverage: dict[AttendeeKey, float]


@dataclass(frozen=True)
class Result:
    """Outcome of :func:`solve`.

    ``changes`` lists sessions whose (slot, room) differs from ``previous``
    (sessions absent from ``previous`` never count). ``iterations`` counts
    annealing steps done, ``step_budget`` the steps planned; ``capped`` is
    True when the time limit stopped the search first (only then may the
    same seed and data give another timetable). ``time_to_best`` is when
    the returned timetable was first reached (seconds since the call
    started).
    """

    assignment: Assignment
    unplaced: list[SessionKey]
    score: Score
    changes: list[SessionKey]
    iterations: int
    runtime: float
    time_to_best: float
    step_budget: int = 0
    capped: bool = False

    @property
    def utility(self) -> int:
        return self.score.utility

    @property
    def upper_bound(self) -> int:
        return self.score.upper_bound

    @property
    def overflow(self) -> float:
        return self.score.overflow


#: The time limit of :func:`solve`, as a multiple of ``seconds``, when none is
#: given. The step budget takes about ``seconds`` of CPU time on the reference
#: server, and the limit counts the CPU time of the solving thread, not the
#: wall clock: other processes stretch the wall clock without bound (11 times
#: at a load average of 17 on the 2-core reference server) but a step's CPU
#: time by less (2.2 times there: shared caches and cores), so the limit only
#: stops a search on an overloaded machine or a far slower one.
TIME_LIMIT_FACTOR = 4.0


def solve(
    problem: Problem,
    *,
    seconds: float = 5.0,
    seed: int = 0,
    previous: Mapping[SessionKey, tuple[SlotKey, RoomKey]] | None = None,
    change_penalty: int = 3,
    max_iterations: int | None = None,
    time_limit: float | None = None,
) -> Result:
    """Find a timetable with high utility and low overflow.

    Greedy start, augmenting-path repair so no session is left out needlessly,
    then heat-bath simulated annealing with an incremental evaluator, then a
    pass that lowers overflow without losing utility.

    How much to search is a number of annealing steps: ``max_iterations``,
    or by default :func:`step_budget` for ``seconds`` (the steps this
    problem's size allows in about that time on the reference server). The
    annealing ends early, leaving the rest of its budget, when no session
    can move or nothing can improve: every attendee gets their personal
    bound (:func:`upper_bound`), every session (or cell) is used and none
    left its ``previous`` slot.

    Determinism: one seeded generator drives everything and nothing reads
    the clock to decide, so the same problem, seed, previous timetable and
    budget give the same timetable. The only exception is ``time_limit``
    (default ``TIME_LIMIT_FACTOR * seconds``), a safety cap in CPU seconds
    of the calling thread: when it stops the search first, ``Result.capped``
    is True and the result depends on where it stopped. A busy machine
    stretches the wall time (``Result.runtime``), not the result.

    ``previous`` (a published timetable) is the starting point; entries that
    are no longer valid are dropped. Each session placed in a different slot
    than before costs ``change_penalty`` utility points, so a session only
    moves when that gains more than the penalty. Rooms are kept when that
    adds no overflow.

    Side effects: none (pure computation).
    """
    started = time.perf_counter()
    cpu_started = time.thread_time()
    comp = Compiled(problem)
    rng = np.random.default_rng(seed)
    prev_slot, prev_room = _previous_arrays(comp, previous or {})
    budget = _step_budget(comp, seconds) if max_iterations is None else max_iterations
    limit = TIME_LIMIT_FACTOR * seconds if time_limit is None else time_limit

    state = empty_state(comp)
    place_pins(state)
    place_previous(state, prev_slot)
    place_greedy(state)
    repair(state)

    # The overflow polish may use the last 10% of the time limit.
    best, stats = anneal(
        state,
        rng=rng,
        budget=max(0, budget),
        deadline=cpu_started + 0.9 * limit,
        prev_slot=prev_slot,
        change_penalty=change_penalty,
        started=started,
    )
    state = State(comp, best)
    repair(state)
    capped = stats.capped
    if len(active_sessions(comp)):
        capped |= polish_overflow(
            state,
            rng=rng,
            deadline=cpu_started + limit,
            prev_slot=prev_slot,
            change_penalty=change_penalty,
        )
    assignment = _with_rooms(comp, state.slot_of, prev_slot, prev_room)
    old = dict(previous or {})
    changes = [
        s for s in comp.sessions if s in old and assignment.get(s) != tuple(old[s])
    ]
    return Result(
        assignment=assignment,
        unplaced=[s for s in comp.sessions if s not in assignment],
        score=_score(comp, assignment),
        changes=changes,
        iterations=stats.iterations,
        runtime=time.perf_counter() - started,
        time_to_best=stats.time_to_best,
        step_budget=stats.budget,
        capped=capped,
    )


#: Cost model of one annealing step on the reference server (the shared
#: 2-core machine of docs/benchmarks.md), in CPU seconds: a fixed part (numpy
#: calls on small arrays), a part per rating the step visits (the ratings of
#: the moved session's raters) and a part per session. Fitted to the CPU time
#: of 1,000 steps on 17 generated instances of 12 to 400 sessions (load
#: average about 14); each instance's step cost 0.78-1.38 times the model's.
STEP_SECONDS = 1.0e-4
STEP_SECONDS_PER_RATING = 3.0e-8
STEP_SECONDS_PER_SESSION = 2.0e-7
#: Share of ``seconds`` the annealing plans for; building the problem, the
#: greedy start and the overflow polish take the rest.
ANNEAL_SHARE = 0.8


def step_budget(problem: Problem, seconds: float) -> int:
    """Annealing steps :func:`solve` plans for ``seconds`` on ``problem``.

    A function of the problem's size and ``seconds`` only (never of the
    clock): about ``ANNEAL_SHARE * seconds`` of steps on the reference
    server, by the cost model above.
    """
    return _step_budget(Compiled(problem), seconds)


def _step_budget(comp: Compiled, seconds: float) -> int:
    per_step = (
        STEP_SECONDS
        + STEP_SECONDS_PER_RATING * ratings_per_step(comp)
        + STEP_SECONDS_PER_SESSION * comp.S
    )
    return max(0, int(seconds * ANNEAL_SHARE / per_step))


def evaluate(problem: Problem, assignment: Mapping) -> Score:
    """Score ``assignment`` (session -> (slot, room)) as it stands.

    Overflow uses the rooms given, not the ones the solver would pick. Does
    not check the hard rules: see :func:`validate`.
    """
    return _score(Compiled(problem), assignment)


def random_assignment(problem: Problem, *, seed: int) -> Assignment:
    """A valid timetable with sessions in random slots.

    Pins are honoured, every session that fits is placed, and rooms follow
    the usual rule (bigger audience, bigger room). Used as the baseline for
    "compared to a random timetable".
    """
    comp = Compiled(problem)
    state = empty_state(comp)
    place_pins(state)
    place_greedy(state, np.random.default_rng(seed))
    repair(state)
    none = np.full(comp.S, -1, dtype=np.int64)
    return _with_rooms(comp, state.slot_of, none, none)


def upper_bound(problem: Problem) -> int:
    """Sum over attendees of their ``len(slots)`` highest ratings."""
    return Compiled(problem).bound


def validate(problem: Problem, assignment: Mapping) -> list[str]:
    """Check the hard rules; return human-readable violations (empty = valid).

    Written plainly (no shared code with the solver) so that it can serve as
    an independent check.
    """
    errors: list[str] = []
    sessions = set(problem.sessions)
    slots = set(problem.slots)
    rooms = [r.key for r in problem.rooms]
    used: dict[tuple, SessionKey] = {}
    for s, cell in assignment.items():
        if s not in sessions:
            errors.append(f"unknown session {s!r}")
            continue
        try:
            t, r = cell
        except (TypeError, ValueError):
            errors.append(f"session {s!r}: {cell!r} is not a (slot, room) pair")
            continue
        if t not in slots:
            errors.append(f"session {s!r}: unknown slot {t!r}")
        if r not in rooms:
            errors.append(f"session {s!r}: unknown room {r!r}")
        if (t, r) in used:
            errors.append(
                f"sessions {used[(t, r)]!r} and {s!r} share slot {t!r} room {r!r}"
            )
        used[(t, r)] = s
        allowed = problem.allowed_slots.get(s)
        if allowed is not None and t not in allowed:
            errors.append(f"session {s!r}: slot {t!r} is not allowed")
    for s, (t, r) in problem.pins.items():
        if s not in assignment:
            errors.append(f"pinned session {s!r} is not placed")
            continue
        if assignment[s][0] != t or (r is not None and assignment[s][1] != r):
            errors.append(f"session {s!r} ignores its pin to {(t, r)!r}")
    busy: dict[tuple, SessionKey] = {}
    for s in problem.sessions:
        if s not in assignment:
            continue
        for p in problem.proposers.get(s, ()):
            key = (p, assignment[s][0])
            if key in busy:
                errors.append(
                    f"proposer {p!r} has {busy[key]!r} and {s!r} in slot {key[1]!r}"
                )
            busy[key] = s
    for s in problem.sessions:
        if s in assignment:
            continue
        open_slots = problem.allowed_slots.get(s, slots)
        for t in problem.slots:
            free = [r for r in rooms if (t, r) not in used]
            clash = any((p, t) in busy for p in problem.proposers.get(s, ()))
            if t in open_slots and free and not clash and s not in problem.pins:
                errors.append(
                    f"session {s!r} is left out although slot {t!r} has a free room"
                )
                break
    return errors


def _problem_errors(problem: Problem) -> list[str]:
    errors: list[str] = []
    sessions = set(problem.sessions)
    slots = set(problem.slots)
    room_keys = [r.key for r in problem.rooms]
    if len(sessions) != len(problem.sessions):
        errors.append("duplicate session keys")
    if len(slots) != len(problem.slots):
        errors.append("duplicate slot keys")
    if len(set(room_keys)) != len(room_keys):
        errors.append("duplicate room keys")
    for room in problem.rooms:
        if room.capacity < 0:
            errors.append(f"room {room.key!r} has negative capacity")
    if problem.proposer_weight < 0:
        errors.append("proposer_weight is negative")
    for a, ratings in problem.interest.items():
        for s, w in ratings.items():
            if s not in sessions:
                errors.append(f"attendee {a!r} rates unknown session {s!r}")
            elif not isinstance(w, int | np.integer) or w < 0:
                errors.append(f"attendee {a!r} rates {s!r} with {w!r}")
    for s in problem.proposers:
        if s not in sessions:
            errors.append(f"proposers given for unknown session {s!r}")
    for s, allowed in problem.allowed_slots.items():
        if s not in sessions:
            errors.append(f"allowed slots given for unknown session {s!r}")
        errors.extend(
            f"session {s!r} allows unknown slot {t!r}"
            for t in allowed
            if t not in slots
        )
    per_slot: dict[SlotKey, int] = {}
    cells: set[tuple] = set()
    owners: set[tuple] = set()
    for s, (t, r) in problem.pins.items():
        if s not in sessions or t not in slots:
            errors.append(f"pin of {s!r} names an unknown session or slot")
            continue
        if r is not None and r not in room_keys:
            errors.append(f"pin of {s!r} names unknown room {r!r}")
        permitted = problem.allowed_slots.get(s)
        if permitted is not None and t not in permitted:
            errors.append(f"session {s!r} is pinned to a slot it does not allow")
        per_slot[t] = per_slot.get(t, 0) + 1
        if per_slot[t] == len(room_keys) + 1:
            errors.append(f"more sessions pinned to slot {t!r} than rooms")
        if r is not None:
            if (t, r) in cells:
                errors.append(f"two sessions pinned to slot {t!r} room {r!r}")
            cells.add((t, r))
        for p in problem.proposers.get(s, ()):
            if (p, t) in owners:
                errors.append(f"proposer {p!r} has two sessions pinned to {t!r}")
            owners.add((p, t))
    return errors


def _previous_arrays(
    comp: Compiled, previous: Mapping
) -> tuple[np.ndarray, np.ndarray]:
    prev_slot = np.full(comp.S, -1, dtype=np.int64)
    prev_room = np.full(comp.S, -1, dtype=np.int64)
    for s, (t, r) in previous.items():
        i = comp.session_index.get(s)
        if i is None or t not in comp.slot_index:
            continue  # the session or slot is gone
        prev_slot[i] = comp.slot_index[t]
        prev_room[i] = comp.room_index.get(r, -1)
    return prev_slot, prev_room


def _with_rooms(
    comp: Compiled, slot_of: np.ndarray, prev_slot: np.ndarray, prev_room: np.ndarray
) -> Assignment:
    members: list[list[int]] = [[] for _ in range(comp.T)]
    for s, t in enumerate(slot_of):
        if t < comp.T:
            members[t].append(s)
    assignment: Assignment = {}
    for t, ms in enumerate(members):
        att = slot_attendance(comp.W, ms)
        kept = {s: int(prev_room[s]) for s in ms if prev_slot[s] == t}
        rooms, _over = assign_rooms(ms, att, comp, kept)
        for s in ms:
            assignment[comp.sessions[s]] = (comp.slots[t], comp.rooms[rooms[s]].key)
    # Report in problem order, which reads better than slot order.
    return {s: assignment[s] for s in comp.sessions if s in assignment}


def _score(comp: Compiled, assignment: Mapping) -> Score:
    members: list[list[int]] = [[] for _ in range(comp.T)]
    for s, (t, _r) in assignment.items():
        members[comp.slot_index[t]].append(comp.session_index[s])
    got = np.zeros(comp.A, dtype=np.int64)
    expected: dict[SessionKey, float] = {}
    overflow = 0.0
    for ms in members:
        if not ms:
            continue
        got += comp.W[:, ms].max(axis=1)
        for s, a in zip(ms, slot_attendance(comp.W, ms), strict=True):
            key = comp.sessions[s]
            expected[key] = float(a)
            cap = comp.capacity[comp.room_index[assignment[key][1]]]
            overflow += max(0.0, float(a) - cap)
    bound = comp.attendee_bound
    coverage = {
        a: float(got[i] / bound[i]) if bound[i] else 1.0
        for i, a in enumerate(comp.attendees)
    }
    return Score(
        utility=int(got.sum()),
        upper_bound=comp.bound,
        overflow=overflow,
        attendance=float(sum(expected.values())),
        expected_attendance={s: expected[s] for s in comp.sessions if s in expected},
        coverage=coverage,
    )
