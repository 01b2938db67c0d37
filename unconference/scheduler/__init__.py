"""Unconference timetable scheduler: who talks when, and in which room.

Pure Python plus numpy, no Django. The web side builds a :class:`Problem`
from its rows (keys are opaque: pass primary keys) and calls :func:`solve`.

Model
-----
* Every attendee goes, in each slot, to the session they rate highest
  there. The **utility** of a timetable is the sum over attendees and slots
  of that highest rating (0 when nothing in the slot interests them).
* Hard rules: at most one session per (slot, room); allowed slots and pins
  are respected; a proposer never has two sessions in one slot; a session is
  only left out when it fits in no free cell (with more sessions than cells,
  the least valuable ones are left out and reported in
  :attr:`Result.unplaced`).
* Rooms: within a slot, the session with more expected attendees gets the
  bigger room (room pins excepted). The **expected attendance** of a session
  counts the attendees for whom it is the top choice in its slot; an
  attendee torn between ``k`` equally rated sessions counts ``1/k`` for
  each. **Overflow** is the sum over sessions of expected attendance beyond
  the room's capacity; it is minimised only among timetables of equal
  utility (a secondary goal).
* Breaks: do not pass them as slots.

Example::

    problem = Problem(
        slots=[slot.pk for slot in slots if not slot.is_break],
        rooms=[Room(key=room.pk, capacity=room.capacity) for room in rooms],
        sessions=[session.pk for session in sessions],
        interest={user_pk: {session_pk: INTEREST_WEIGHTS[level], ...}, ...},
        proposers={session_pk: frozenset({user_pk}), ...},
        pins={session_pk: (slot_pk, room_pk_or_None), ...},
    )
    result = solve(problem, seconds=5, seed=event.pk, previous=published)
    result.assignment  # {session_pk: (slot_pk, room_pk)}

Search effort is a number of annealing steps (:func:`step_budget` turns
``seconds`` into one for the problem's size), so the same problem, seed and
budget always give the same timetable; a limit on the search's CPU time is
only a safety cap (``Result.capped`` says when it stopped a search).
"""

from ._model import Compiled, State
from ._solve import (
    INTEREST_WEIGHTS,
    Assignment,
    AttendeeKey,
    Problem,
    Result,
    Room,
    RoomKey,
    Score,
    SessionKey,
    SlotKey,
    evaluate,
    random_assignment,
    solve,
    step_budget,
    upper_bound,
    validate,
)

__all__ = [
    # The problem and the answer.
    "INTEREST_WEIGHTS",
    "Assignment",
    "AttendeeKey",
    "Problem",
    "Result",
    "Room",
    "RoomKey",
    "Score",
    "SessionKey",
    "SlotKey",
    # What to do with them.
    "evaluate",
    "random_assignment",
    "solve",
    "step_budget",
    "upper_bound",
    "validate",
    # The incremental evaluator the search runs on, for tests that check its
    # bookkeeping against a brute-force count.
    "Compiled",
    "State",
]
