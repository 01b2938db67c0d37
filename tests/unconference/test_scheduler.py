"""Tests of the unconference scheduler core (pure Python, no database).

Every timetable the tests obtain goes through ``assert_valid``, which runs
both the module's ``validate`` and an independent check written here. The
brute-force evaluator below is deliberately naive so that it can judge the
solver's incremental bookkeeping.
"""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from unconference.scheduler import (
    INTEREST_WEIGHTS,
    Compiled,
    Problem,
    Room,
    State,
    evaluate,
    random_assignment,
    solve,
    step_budget,
    upper_bound,
    validate,
)

PROPERTY = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)


# -- brute-force reference implementations ---------------------------------


def weights_of(problem: Problem) -> dict:
    """attendee -> session -> weight, with the proposer rule applied."""
    weights = {a: dict(r) for a, r in problem.interest.items()}
    for s, people in problem.proposers.items():
        for p in people:
            mine = weights.setdefault(p, {})
            mine[s] = max(mine.get(s, 0), problem.proposer_weight)
    return weights


def brute_utility(problem: Problem, slot_of: dict) -> int:
    """Sum over attendees and slots of the best rating in that slot."""
    total = 0
    for ratings in weights_of(problem).values():
        for t in problem.slots:
            here = [w for s, w in ratings.items() if slot_of.get(s) == t]
            total += max(here, default=0)
    return total


def brute_bound(problem: Problem) -> int:
    k = len(problem.slots)
    return sum(
        sum(sorted(r.values(), reverse=True)[:k]) for r in weights_of(problem).values()
    )


def brute_attendance(problem: Problem, assignment: dict) -> dict:
    """Top choice per attendee and slot; ties split evenly; 0 attends none."""
    attendance = {s: 0.0 for s in assignment}
    for ratings in weights_of(problem).values():
        for t in problem.slots:
            here = {s: ratings.get(s, 0) for s, (slot, _) in assignment.items()}
            here = {s: w for s, w in here.items() if assignment[s][0] == t}
            best = max(here.values(), default=0)
            if best > 0:
                top = [s for s, w in here.items() if w == best]
                for s in top:
                    attendance[s] += 1 / len(top)
    return attendance


def hard_rule_violations(problem: Problem, assignment: dict) -> list[str]:
    """An independent, blunt check of the hard rules."""
    bad = []
    cells = Counter(assignment.values())
    bad += [f"double booked {c}" for c, n in cells.items() if n > 1]
    rooms = {r.key for r in problem.rooms}
    for s, (t, r) in assignment.items():
        if t not in problem.slots or r not in rooms:
            bad.append(f"{s} in unknown cell")
        if t not in problem.allowed_slots.get(s, problem.slots):
            bad.append(f"{s} in disallowed slot")
    for s, (t, r) in problem.pins.items():
        if assignment.get(s, (None, None))[0] != t:
            bad.append(f"{s} off its pinned slot")
        elif r is not None and assignment[s][1] != r:
            bad.append(f"{s} off its pinned room")
    busy = Counter(
        (p, assignment[s][0])
        for s, people in problem.proposers.items()
        if s in assignment
        for p in people
    )
    bad += [f"proposer clash {k}" for k, n in busy.items() if n > 1]
    for s in problem.sessions:
        if s in assignment or s in problem.pins:
            continue
        for t in problem.allowed_slots.get(s, problem.slots):
            free = any((t, r) not in cells for r in rooms)
            mine = problem.proposers.get(s, frozenset())
            clash = any(busy[(p, t)] for p in mine)
            if free and not clash:
                bad.append(f"{s} left out although {t} has room")
    return bad


def assert_valid(problem: Problem, assignment: dict) -> None:
    assert validate(problem, assignment) == []
    assert hard_rule_violations(problem, assignment) == []


# -- instance builders ------------------------------------------------------


@st.composite
def problems(draw, max_sessions: int = 8, max_slots: int = 4) -> Problem:
    n_slots = draw(st.integers(1, max_slots))
    n_rooms = draw(st.integers(1, 3))
    slots = [f"t{i}" for i in range(n_slots)]
    rooms = [Room(f"r{i}", draw(st.integers(0, 4))) for i in range(n_rooms)]
    sessions = list(range(draw(st.integers(0, max_sessions))))
    people = [f"a{i}" for i in range(draw(st.integers(0, 6)))]
    weight = st.sampled_from(sorted(INTEREST_WEIGHTS.values()))
    interest = {
        a: {s: draw(weight) for s in sessions if draw(st.booleans())} for a in people
    }
    everyone = st.sampled_from([*people, "p-outsider"])
    proposers = {
        s: frozenset(draw(st.lists(everyone, max_size=2)))
        for s in sessions
        if draw(st.booleans())
    }
    allowed = {
        s: frozenset(draw(st.lists(st.sampled_from(slots), max_size=n_slots)))
        for s in sessions
        if draw(st.integers(0, 3)) == 0
    }
    room_or_none = st.one_of(st.none(), st.sampled_from([r.key for r in rooms]))
    pins = {
        s: (draw(st.sampled_from(slots)), draw(room_or_none))
        for s in sessions
        if draw(st.integers(0, 5)) == 0
    }
    try:
        return Problem(
            slots=slots,
            rooms=rooms,
            sessions=sessions,
            interest=interest,
            proposers=proposers,
            allowed_slots=allowed,
            pins=pins,
        )
    except ValueError:
        assume(False)
        raise  # unreachable: assume(False) aborts the example


def small(**extra) -> Problem:
    """Two slots, two rooms, four sessions; optimum 19 = bound (see below).

    x loves A and B, y loves A and likes C, z likes D and mildly C. The only
    partition that serves everyone fully is {A, D} / {B, C}.
    """
    fields = dict(
        slots=["morning", "afternoon"],
        rooms=[Room("hall", 10), Room("nook", 1)],
        sessions=["A", "B", "C", "D"],
        interest={
            "x": {"A": 4, "B": 4},
            "y": {"A": 4, "C": 3},
            "z": {"C": 1, "D": 3},
        },
    )
    fields.update(extra)
    return Problem(**fields)


def slots_of(assignment: dict) -> dict:
    return {s: t for s, (t, _r) in assignment.items()}


def together(assignment: dict) -> set[frozenset]:
    """The grouping of sessions by slot, independent of slot labels."""
    groups: dict = {}
    for s, (t, _r) in assignment.items():
        groups.setdefault(t, set()).add(s)
    return {frozenset(g) for g in groups.values()}


# -- known answers ------------------------------------------------------------


def test_solve_tiny_instance_reaches_hand_computed_optimum():
    problem = small()

    result = solve(problem, seconds=5, seed=0, max_iterations=500)

    assert_valid(problem, result.assignment)
    assert result.utility == 19
    assert result.upper_bound == 19
    assert together(result.assignment) == {frozenset("AD"), frozenset("BC")}


def test_solve_tiny_instance_gives_bigger_audience_the_bigger_room():
    problem = small()

    result = solve(problem, seconds=5, seed=0, max_iterations=500)

    assert result.score.expected_attendance == {"A": 2.0, "B": 1.0, "C": 2.0, "D": 1.0}
    assert result.assignment["A"][1] == "hall"
    assert result.assignment["C"][1] == "hall"
    assert result.overflow == pytest.approx(0.0)


def test_evaluate_splits_ties_evenly_and_reports_overflow():
    problem = small()
    assignment = {
        "A": ("morning", "hall"),
        "B": ("morning", "nook"),
        "C": ("afternoon", "hall"),
        "D": ("afternoon", "nook"),
    }

    score = evaluate(problem, assignment)

    # x ties A and B (4 and 4): half each. y picks A; z picks D.
    assert score.expected_attendance == {"A": 1.5, "B": 0.5, "C": 1.0, "D": 1.0}
    assert score.utility == 4 + 7 + 3  # x: 4 + 0, y: 4 + 3, z: 0 + 3
    assert score.overflow == pytest.approx(0.0)
    assert score.coverage == {"x": 0.5, "y": 1.0, "z": 0.75}


def test_upper_bound_counts_only_one_session_per_slot():
    problem = Problem(
        slots=["t1", "t2"],
        rooms=[Room("r", 5)],
        sessions=["s1", "s2", "s3"],
        interest={"a": {"s1": 4, "s2": 3, "s3": 1}},
    )

    assert upper_bound(problem) == 7


def test_proposer_counts_as_very_interested_in_own_session():
    problem = Problem(
        slots=["t1"],
        rooms=[Room("r", 5)],
        sessions=["s1"],
        interest={"a": {"s1": 1}},
        proposers={"s1": frozenset({"a", "speaker"})},
    )

    result = solve(problem, seconds=5, max_iterations=50)

    assert result.utility == 2 * INTEREST_WEIGHTS["very"]
    assert result.score.coverage == {"a": 1.0, "speaker": 1.0}


# -- hard rules -------------------------------------------------------------


def test_solve_respects_slot_and_room_pins_against_utility():
    problem = small(pins={"B": ("morning", "nook"), "A": ("morning", None)})

    result = solve(problem, seconds=5, seed=0, max_iterations=500)

    assert_valid(problem, result.assignment)
    assert result.assignment["B"] == ("morning", "nook")
    assert result.assignment["A"] == ("morning", "hall")


def test_solve_never_gives_a_proposer_two_sessions_in_one_slot():
    # Everyone wants both talks in the same slot, which would be best for
    # the audience if the speaker could be in two places.
    problem = Problem(
        slots=["t1", "t2"],
        rooms=[Room("r1", 9), Room("r2", 9)],
        sessions=["talk1", "talk2", "other"],
        interest={"a": {"talk1": 4, "other": 4}, "b": {"talk2": 4, "other": 4}},
        proposers={"talk1": frozenset({"sam"}), "talk2": frozenset({"sam"})},
    )

    result = solve(problem, seconds=5, max_iterations=300)

    assert_valid(problem, result.assignment)
    assert result.assignment["talk1"][0] != result.assignment["talk2"][0]


def test_solve_keeps_sessions_in_allowed_slots():
    problem = small(allowed_slots={"A": frozenset({"afternoon"})})

    result = solve(problem, seconds=5, max_iterations=300)

    assert_valid(problem, result.assignment)
    assert result.assignment["A"][0] == "afternoon"
    assert result.utility == 19


def test_solve_places_uninteresting_sessions_when_there_is_room():
    rooms = [Room("hall", 10), Room("nook", 1), Room("attic", 1)]
    problem = small(sessions=["A", "B", "C", "D", "E"], rooms=rooms)

    result = solve(problem, seconds=5, max_iterations=300)

    assert_valid(problem, result.assignment)
    assert result.unplaced == []
    assert "E" in result.assignment
    assert result.utility == 19


def test_solve_leaves_out_least_valuable_sessions_when_cells_run_out():
    problem = Problem(
        slots=["t1"],
        rooms=[Room("r1", 9), Room("r2", 9)],
        sessions=["big", "small", "medium"],
        interest={
            "a": {"big": 4},
            "b": {"big": 4, "medium": 3},
            "c": {"small": 1, "medium": 3},
        },
    )

    result = solve(problem, seconds=5, max_iterations=300)

    assert_valid(problem, result.assignment)
    assert result.unplaced == ["small"]
    assert result.utility == 4 + 4 + 3


def test_random_assignment_is_valid_and_seeded():
    problem = small(pins={"C": ("afternoon", "nook")})

    first = random_assignment(problem, seed=7)

    assert_valid(problem, first)
    assert random_assignment(problem, seed=7) == first


def test_problem_rejects_unknown_keys_and_contradictory_pins():
    with pytest.raises(ValueError, match="unknown session 'Z'"):
        small(interest={"x": {"Z": 4}})
    with pytest.raises(ValueError, match="two sessions pinned"):
        small(pins={"A": ("morning", "hall"), "B": ("morning", "hall")})


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ({"A": ("morning", "hall"), "B": ("morning", "hall")}, "share slot"),
        ({"A": ("noon", "hall")}, "unknown slot"),
        ({"A": ("morning", "hall")}, "left out although"),
    ],
)
def test_validate_reports_each_broken_rule(assignment, message):
    problem = small()

    assert any(message in v for v in validate(problem, assignment))


def test_validate_reports_pins_allowed_slots_and_proposer_clashes():
    problem = small(
        pins={"A": ("morning", "hall")},
        allowed_slots={"B": frozenset({"morning"})},
        proposers={"C": frozenset({"sam"}), "D": frozenset({"sam"})},
    )
    assignment = {
        "A": ("afternoon", "hall"),
        "B": ("afternoon", "nook"),
        "C": ("morning", "hall"),
        "D": ("morning", "nook"),
    }

    errors = validate(problem, assignment)

    assert errors == [
        "session 'B': slot 'afternoon' is not allowed",
        "session 'A' ignores its pin to ('morning', 'hall')",
        "proposer 'sam' has 'C' and 'D' in slot 'morning'",
    ]


# -- determinism and re-runs ------------------------------------------------


def test_solve_is_deterministic_for_a_seed():
    problem = _medium(seed=3)

    first = solve(problem, seconds=30, seed=5, max_iterations=400)
    second = solve(problem, seconds=30, seed=5, max_iterations=400)

    assert first.assignment == second.assignment
    assert first.iterations == second.iterations == 400


def test_solve_with_the_same_seed_and_seconds_gives_the_same_timetable():
    problem = _generated(seed=21)

    first = solve(problem, seconds=0.3, seed=9, time_limit=120)
    second = solve(problem, seconds=0.3, seed=9, time_limit=120)

    assert (first.capped, second.capped) == (False, False)
    assert first.iterations == first.step_budget == step_budget(problem, 0.3) > 0
    assert second.assignment == first.assignment


def test_step_budget_is_a_function_of_seconds_and_size():
    problem = _generated(seed=21)
    bigger = _generated(seed=21, attendees=600)

    budget = step_budget(problem, 5.0)

    assert step_budget(problem, 10.0) == pytest.approx(2 * budget, abs=1)
    assert step_budget(bigger, 5.0) < budget
    assert step_budget(problem, 5.0) == budget


@pytest.mark.parametrize("seed", [31, 32, 33])
def test_one_step_per_session_already_beats_the_greedy_start(seed):
    # The first cooling must end within a small budget: a search cut short
    # while still hot returned the greedy start on large events.
    problem = _generated(seed=seed, attendees=600, sessions=60, slots=12)
    greedy = solve(problem, seed=seed, max_iterations=0).utility

    few = solve(problem, seed=seed, max_iterations=60)
    more = solve(problem, seed=seed, max_iterations=600)

    assert_valid(problem, few.assignment)
    assert few.iterations == 60
    assert few.utility > greedy
    assert few.utility - greedy >= (more.utility - greedy) / 4


def test_time_limit_cuts_a_search_short_and_says_so():
    problem = _generated(seed=21)

    result = solve(problem, seed=1, max_iterations=10**9, time_limit=0.5)

    assert_valid(problem, result.assignment)
    assert result.capped is True
    assert 0 < result.iterations < result.step_budget == 10**9
    assert result.runtime < 60


@pytest.mark.parametrize(
    "change",
    [
        {"rooms": []},
        {"slots": []},
        {"allowed_slots": {s: frozenset() for s in "ABCD"}},
    ],
    ids=["no rooms", "no slots", "no allowed slot"],
)
def test_solve_with_nothing_placeable_returns_without_searching(change):
    problem = small(**change)

    result = solve(problem, seconds=60, max_iterations=10**9)

    assert result.iterations == 0
    assert result.unplaced == ["A", "B", "C", "D"]
    assert result.capped is False


def test_solve_with_every_session_pinned_returns_without_searching():
    pins = {"A": ("morning", None), "B": ("afternoon", None), "C": ("morning", None)}
    problem = small(pins={**pins, "D": ("afternoon", None)})

    result = solve(problem, seconds=60, max_iterations=10**9)

    assert result.iterations == 0
    assert slots_of(result.assignment) == {
        "A": "morning", "B": "afternoon", "C": "morning", "D": "afternoon"
    }  # fmt: skip


def test_solve_stops_when_everyone_gets_their_personal_bound():
    problem = small(interest={"x": {"A": 4}, "y": {"B": 3}, "z": {"C": 1}})

    result = solve(problem, seconds=60, max_iterations=10**9)

    assert result.utility == result.upper_bound == 8
    assert result.iterations == 0


def test_solve_with_previous_changes_nothing_when_nothing_changed():
    problem = small()
    published = solve(problem, seconds=5, seed=1, max_iterations=500).assignment

    again = solve(problem, seconds=5, seed=2, previous=published)

    assert again.assignment == published
    assert again.changes == []


def test_solve_with_previous_only_places_a_new_session():
    problem = _medium(seed=4)
    published = solve(problem, seconds=30, seed=0, max_iterations=300).assignment
    grown = Problem(
        slots=problem.slots,
        rooms=problem.rooms,
        sessions=[*problem.sessions, "late"],
        interest=problem.interest,
    )

    # A penalty above any single move's gain pins everything published.
    again = solve(
        grown, seconds=30, previous=published, change_penalty=1000, max_iterations=300
    )

    assert_valid(grown, again.assignment)
    assert "late" in again.assignment
    assert again.changes == []


def _generated(
    *, seed: int, attendees: int = 150, sessions: int = 40, slots: int = 8
) -> Problem:
    """Topics, skewed popularity, people rating about 1.2 sessions per slot
    (a few far more), proposers with two talks, a tenth of the sessions in
    the first half of the day only; five rooms."""
    rng = random.Random(seed)
    keys = [f"s{i}" for i in range(sessions)]
    topics = max(3, sessions // 12)
    topic = [rng.randrange(topics) for _ in keys]
    popularity = [rng.lognormvariate(0, 0.9) for _ in keys]
    interest = {}
    for a in range(attendees):
        taste = [rng.gammavariate(0.4, 1) + 0.02 for _ in range(topics)]
        wants = [popularity[i] * taste[topic[i]] for i in range(sessions)]
        n = max(2, min(sessions, int(rng.lognormvariate(0, 0.6) * 1.2 * slots)))
        # dict.fromkeys, not set: the order of the draws below must not
        # depend on string hashing, which changes between processes.
        chosen = dict.fromkeys(rng.choices(keys, wants, k=n))
        interest[f"a{a}"] = {s: rng.choice([1, 3, 3, 4]) for s in chosen}
    speakers = [f"a{rng.randrange(attendees)}" for _ in range(sessions * 3 // 4)]
    proposers = {
        s: frozenset({speakers[i % len(speakers)]}) for i, s in enumerate(keys)
    }
    names = [f"t{i}" for i in range(slots)]
    allowed = {
        s: frozenset(names[: slots // 2]) for s in rng.sample(keys, sessions // 10)
    }
    return Problem(
        slots=names,
        rooms=[Room(f"r{i}", 10 + 10 * i) for i in range(5)],
        sessions=keys,
        interest=interest,
        proposers=proposers,
        allowed_slots=allowed,
    )


def _medium(*, seed: int) -> Problem:
    """24 sessions in 4 slots x 6 rooms, 30 attendees; spare cells free."""
    rng = random.Random(seed)
    sessions = [f"s{i}" for i in range(22)]
    interest = {
        f"a{i}": {s: rng.choice([1, 3, 4]) for s in rng.sample(sessions, 6)}
        for i in range(30)
    }
    return Problem(
        slots=["t1", "t2", "t3", "t4"],
        rooms=[Room(f"r{i}", 3 + 2 * i) for i in range(6)],
        sessions=sessions,
        interest=interest,
    )


# -- properties on random small instances ----------------------------------


@PROPERTY
@given(problems(), st.integers(0, 3))
def test_solve_returns_valid_timetable_scored_like_brute_force(problem, seed):
    result = solve(problem, seconds=10, seed=seed, max_iterations=150)

    assert_valid(problem, result.assignment)
    assert result.utility == brute_utility(problem, slots_of(result.assignment))
    assert result.upper_bound == brute_bound(problem)
    assert result.utility <= result.upper_bound
    assert set(result.unplaced) == set(problem.sessions) - set(result.assignment)
    expected = brute_attendance(problem, result.assignment)
    assert result.score.expected_attendance == pytest.approx(expected)


@PROPERTY
@given(problems(), st.integers(0, 3))
def test_random_assignment_is_always_valid(problem, seed):
    assignment = random_assignment(problem, seed=seed)

    assert_valid(problem, assignment)
    assert evaluate(problem, assignment).utility == brute_utility(
        problem, slots_of(assignment)
    )


@PROPERTY
@given(problems(), st.integers(0, 2**16))
def test_incremental_evaluator_matches_brute_force_after_random_moves(problem, seed):
    assume(problem.sessions and problem.slots)
    comp = Compiled(problem)
    rng = random.Random(seed)
    state = State(comp, np.array([rng.randrange(comp.T + 1) for _ in range(comp.S)]))

    for _ in range(12):
        s1 = rng.randrange(comp.S)
        swap_delta, _, move_delta, _ = state.deltas(s1)
        before = state.utility
        if rng.random() < 0.5:
            s2 = rng.randrange(comp.S)
            same = state.slot_of[s1] == state.slot_of[s2]
            predicted = 0 if same else swap_delta[s2]
            state.swap(s1, s2)
        else:
            t = rng.randrange(comp.T + 1)
            predicted = 0 if state.slot_of[s1] == t else move_delta[t]
            state.move(s1, t)

        slot_of = {
            comp.sessions[s]: comp.slots[t]
            for s, t in enumerate(state.slot_of)
            if t < comp.T
        }
        assert state.utility == brute_utility(problem, slot_of)
        assert state.utility - before == predicted
    fresh = State(comp, state.slot_of)
    for name in ("b1", "b2", "gain", "loss", "missed", "conflicts"):
        assert np.array_equal(getattr(fresh, name), getattr(state, name)), name


@PROPERTY
@given(problems(max_sessions=5, max_slots=3))
def test_solve_finds_optimum_of_tiny_instances(problem):
    # Exhaustive search is cheap at this size. Placing more sessions comes
    # first, then utility, as in the scheduler.
    assume(not problem.pins and not problem.allowed_slots)
    best = _exhaustive_optimum(problem)

    result = solve(problem, seconds=10, seed=0, max_iterations=400)

    assert (len(result.assignment), result.utility) == best


def _exhaustive_optimum(problem: Problem) -> tuple[int, int]:
    best = (0, 0)
    owners = problem.proposers
    options = [*problem.slots, None]

    def place(i: int, slot_of: dict) -> None:
        nonlocal best
        if i == len(problem.sessions):
            best = max(best, (len(slot_of), brute_utility(problem, slot_of)))
            return
        s = problem.sessions[i]
        mine = owners.get(s, frozenset())
        for t in options:
            here = [o for o, slot in slot_of.items() if slot == t]
            full = len(here) >= len(problem.rooms)
            clash = any(owners.get(o, frozenset()) & mine for o in here)
            if t is not None and (full or clash):
                continue
            if t is not None:
                slot_of[s] = t
            place(i + 1, slot_of)
            slot_of.pop(s, None)

    place(0, {})
    return best


def test_solve_moves_a_flexible_session_to_fit_a_restricted_one():
    # Greedy puts the popular flexible talk in the first slot; only shifting
    # it makes room for the talk that can only happen then.
    problem = Problem(
        slots=["t1", "t2"],
        rooms=[Room("r", 9)],
        sessions=["flexible", "restricted"],
        interest={"a": {"flexible": 4}, "b": {"restricted": 1}},
        allowed_slots={"restricted": frozenset({"t1"})},
    )

    result = solve(problem, seconds=5, max_iterations=0)

    assert_valid(problem, result.assignment)
    assert slots_of(result.assignment) == {"restricted": "t1", "flexible": "t2"}


def test_solve_reaches_the_bound_of_a_planted_instance_with_restrictions():
    problem = _planted(seed=11)

    result = solve(problem, seconds=30, seed=0, max_iterations=3000)

    assert_valid(problem, result.assignment)
    assert result.utility == result.upper_bound == 299


def _planted(*, seed: int) -> Problem:
    """A hidden 4 x 3 timetable serves everyone fully; some sessions are
    restricted to two slots (one of them their hidden slot) and one is
    pinned, so only the hidden slot labels reach the bound."""
    rng = random.Random(seed)
    hidden = {f"s{i}": f"t{i % 4}" for i in range(12)}
    by_slot = {
        t: [s for s, h in hidden.items() if h == t] for t in set(hidden.values())
    }
    interest = {
        f"a{i}": {
            rng.choice(group): rng.choice([1, 3, 4]) for group in by_slot.values()
        }
        for i in range(30)
    }
    allowed = {
        s: frozenset({hidden[s], rng.choice(sorted(by_slot))})
        for s in rng.sample(sorted(hidden), 4)
    }
    pinned = next(s for s in sorted(hidden) if s not in allowed)
    return Problem(
        slots=sorted(by_slot),
        rooms=[Room(f"r{i}", 12) for i in range(3)],
        sessions=list(hidden),
        interest=interest,
        allowed_slots=allowed,
        pins={pinned: (hidden[pinned], None)},
    )
