"""Tests for the coffee roulette pairing core (pure Python, no database)."""

import random
from datetime import UTC, date, datetime, timedelta
from functools import cache
from itertools import combinations

import pytest
import rustworkx
from hypothesis import given, settings
from hypothesis import strategies as st

from roulette.pairing import (
    Meeting,
    Member,
    SatOut,
    SatOutReason,
    block_index,
    common_slots,
    iso_week_of,
    meeting_uid,
    pair_members,
    pair_weight,
    shared_blocks,
    utc_quarters,
    week_bounds,
)

DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


def free(day: str, start: str, end: str) -> frozenset[int]:
    """Blocks from local ``start`` to ``end`` ("HH:MM", end exclusive) on ``day``."""
    first, last = (int(t[:2]) * 2 + int(t[3:]) // 30 for t in (start, end))
    return frozenset(DAYS[day] * 48 + b for b in range(first, last))


def member(key, tz, *spans, sat_out=False) -> Member:
    available = frozenset().union(*(free(*span) for span in spans))
    return Member(key=key, tz=tz, available=available, sat_out_last_time=sat_out)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def pairs_of(result) -> set[frozenset]:
    return {frozenset(group.members) for group in result.groups}


# --- Weeks and blocks -----------------------------------------------------------


def test_week_bounds_returns_monday_and_next_monday():
    assert week_bounds("2026-W49") == (date(2026, 11, 30), date(2026, 12, 7))


def test_week_bounds_handles_week_53():
    assert week_bounds("2026-W53") == (date(2026, 12, 28), date(2027, 1, 4))


@pytest.mark.parametrize("label", ["2026-49", "2026-W7", "2025-W53", "2026-W00"])
def test_week_bounds_rejects_bad_labels(label):
    with pytest.raises(ValueError):
        week_bounds(label)


def test_iso_week_of_uses_iso_year_around_new_year():
    assert iso_week_of(date(2027, 1, 1)) == "2026-W53"


def test_block_index_counts_half_hours_from_monday():
    assert block_index(day=0, hour=0) == 0
    assert block_index(day=6, hour=23, minute=45) == 335


def test_member_rejects_block_outside_week():
    with pytest.raises(ValueError):
        Member(key=1, tz="UTC", available=frozenset({336}))


def test_member_rejects_unknown_zone():
    with pytest.raises(Exception, match="Mars"):
        Member(key=1, tz="Mars/Olympus", available=frozenset())


# --- Local grids to UTC --------------------------------------------------------


def test_utc_quarters_puts_kathmandu_half_hour_on_quarter_grid():
    # Monday 10:00-10:30 at +5:45 is 04:15-04:45 UTC: quarters 17 and 18.
    kathmandu = member("k", "Asia/Kathmandu", ("mon", "10:00", "10:30"))

    assert utc_quarters(kathmandu, iso_week="2026-W49") == {17, 18}


def test_shared_blocks_shift_an_hour_when_only_the_us_has_switched():
    new_york = member("ny", "America/New_York", ("mon", "09:00", "11:00"))
    berlin = member("be", "Europe/Berlin", ("mon", "15:00", "17:00"))

    # Both on winter time; US on summer time, Berlin not yet; both on summer time.
    assert shared_blocks([new_york, berlin], iso_week="2026-W10") == [
        (utc(2026, 3, 2, 14), utc(2026, 3, 2, 16))
    ]
    assert shared_blocks([new_york, berlin], iso_week="2026-W11") == [
        (utc(2026, 3, 9, 14), utc(2026, 3, 9, 15))
    ]
    assert shared_blocks([new_york, berlin], iso_week="2026-W14") == [
        (utc(2026, 3, 30, 13), utc(2026, 3, 30, 15))
    ]


def test_utc_quarters_skips_the_hour_that_does_not_exist():
    # 02:00-03:00 on 8 March 2026 never happens in New York (clocks jump).
    night = member("ny", "America/New_York", ("sun", "02:00", "03:00"))

    assert utc_quarters(night, iso_week="2026-W10") == frozenset()
    assert len(utc_quarters(night, iso_week="2026-W09")) == 4


def test_shared_blocks_counts_the_repeated_hour_twice():
    # 01:00-02:00 on 1 November 2026 happens at 05:00 UTC (EDT) and 06:00 (EST).
    night = member("ny", "America/New_York", ("sun", "01:00", "02:00"))

    assert shared_blocks([night], iso_week="2026-W44") == [
        (utc(2026, 11, 1, 5), utc(2026, 11, 1, 7))
    ]


def test_shared_blocks_week_wraps_sunday_night_in_los_angeles_to_monday_utc():
    # Los Angeles Sunday 29 Nov 20:00 PST is Monday 30 Nov 04:00 UTC, in W49.
    los_angeles = member("la", "America/Los_Angeles", ("sun", "20:00", "21:00"))
    london = member("lo", "Europe/London", ("mon", "04:00", "05:00"))

    assert shared_blocks([los_angeles, london], iso_week="2026-W49") == [
        (utc(2026, 11, 30, 4), utc(2026, 11, 30, 5))
    ]


def test_shared_blocks_drops_stretches_shorter_than_the_meeting():
    a = member("a", "UTC", ("mon", "10:00", "10:30"), ("tue", "10:00", "11:00"))
    b = member("b", "UTC", ("mon", "10:00", "11:00"), ("tue", "10:00", "11:00"))

    assert shared_blocks([a, b], iso_week="2026-W49", minutes=60) == [
        (utc(2026, 12, 1, 10), utc(2026, 12, 1, 11))
    ]


def test_common_slots_lists_every_quarter_hour_start():
    new_york = member("ny", "America/New_York", ("mon", "09:00", "11:00"))
    berlin = member("be", "Europe/Berlin", ("mon", "15:00", "17:00"))

    slots = common_slots([new_york, berlin], iso_week="2026-W10", minutes=30)

    assert slots == [utc(2026, 3, 2, 14) + timedelta(minutes=15 * k) for k in range(7)]


# --- Pairing: hard rules ---------------------------------------------------------


def four_friends() -> list[Member]:
    return [member(key, "UTC", ("mon", "10:00", "12:00")) for key in "abcd"]


def test_pair_members_never_repeats_a_recent_pair():
    recent = {frozenset("ab"), frozenset("cd")}

    result = pair_members(four_friends(), iso_week="2026-W49", recent_pairs=recent)

    assert len(result.groups) == 2
    assert pairs_of(result) & recent == set()


def test_pair_members_never_pairs_a_blocked_pair():
    blocked = {frozenset("ab"), frozenset("ac")}

    result = pair_members(four_friends(), iso_week="2026-W49", blocked=blocked)

    assert pairs_of(result) == {frozenset("ad"), frozenset("bc")}


def test_pair_members_reports_no_common_time_when_only_recent_partner_fits():
    a = member("a", "UTC", ("mon", "10:00", "11:00"))
    b = member("b", "UTC", ("mon", "10:00", "11:00"))

    result = pair_members([a, b], iso_week="2026-W49", recent_pairs=[frozenset("ab")])

    assert result.groups == []
    assert result.sat_out == [
        SatOut("a", SatOutReason.NO_COMMON_TIME),
        SatOut("b", SatOutReason.NO_COMMON_TIME),
    ]


# --- Pairing: odd numbers, trios and priority --------------------------------------


def test_pair_members_makes_a_trio_when_all_three_share_a_block():
    people = [member(key, "UTC", ("mon", "10:00", "11:00")) for key in "abc"]

    result = pair_members(people, iso_week="2026-W49")

    assert result.groups == [
        Meeting(("a", "b", "c"), utc(2026, 11, 30, 10), utc(2026, 11, 30, 10, 30))
    ]
    assert result.sat_out == []


def three_in_a_row(*, c_sat_out: bool = False) -> list[Member]:
    """a-b share 2 hours, a-c and b-c half an hour each, never all three."""
    return [
        member("a", "UTC", ("mon", "10:00", "12:00"), ("tue", "10:00", "10:30")),
        member("b", "UTC", ("mon", "10:00", "12:00"), ("wed", "10:00", "10:30")),
        member(
            "c",
            "UTC",
            ("tue", "10:00", "10:30"),
            ("wed", "10:00", "10:30"),
            sat_out=c_sat_out,
        ),
    ]


def test_pair_members_sits_out_odd_one_without_a_common_block():
    result = pair_members(three_in_a_row(), iso_week="2026-W49")

    assert pairs_of(result) == {frozenset("ab")}
    assert result.sat_out == [SatOut("c", SatOutReason.ODD_NUMBER)]
    assert result.total_weight == pair_weight(
        sat_out_count=0, met_before=False, shared_quarters=8
    )


def test_pair_members_gives_last_weeks_sit_out_priority():
    result = pair_members(three_in_a_row(c_sat_out=True), iso_week="2026-W49")

    assert [len(group.members) for group in result.groups] == [2]
    assert "c" in result.groups[0].members
    assert result.total_weight == 132


def test_pair_weight_favours_sat_out_then_new_pairs_then_shared_time():
    assert pair_weight(sat_out_count=1, met_before=False, shared_quarters=2) == 132
    assert pair_weight(sat_out_count=0, met_before=False, shared_quarters=40) == 46
    assert pair_weight(sat_out_count=0, met_before=True, shared_quarters=8) == 8


def test_pair_members_prefers_a_pair_that_never_met():
    people = four_friends()
    met = {frozenset("ab"), frozenset("cd")}

    result = pair_members(people, iso_week="2026-W49", met_before=met)

    assert pairs_of(result) & met == set()


def test_pair_members_says_everyone_eligible_was_matched_around_a_hub():
    days = {"x": "mon", "y": "tue", "z": "wed"}
    hub = member("h", "UTC", *((day, "10:00", "10:30") for day in days.values()))
    leaves = [member(key, "UTC", (day, "10:00", "10:30")) for key, day in days.items()]
    loner = member("l", "Asia/Tokyo", ("sat", "03:00", "04:00"))

    result = pair_members([hub, *leaves, loner], iso_week="2026-W49")

    reasons = dict(result.sat_out)
    assert len(result.groups) == 1
    assert reasons.pop("l") is SatOutReason.NO_COMMON_TIME
    assert list(reasons.values()) == [SatOutReason.ALL_MATCHED] * 2


def test_sat_out_reason_has_plain_message():
    assert SatOutReason.ODD_NUMBER.message == "odd number"


# --- Pairing: meeting time and determinism -----------------------------------------


def test_pair_members_picks_time_inside_both_local_working_days():
    # Shared 05:00-19:00 UTC; 09:00-18:00 for both is 14:00-17:00 UTC.
    berlin = member("be", "Europe/Berlin", ("mon", "06:00", "20:00"))
    new_york = member("ny", "America/New_York", ("mon", "00:00", "16:00"))

    result = pair_members([berlin, new_york], iso_week="2026-W10")

    assert result.groups == [
        Meeting(("be", "ny"), utc(2026, 3, 2, 14), utc(2026, 3, 2, 14, 30))
    ]


def test_pair_members_falls_back_to_earliest_shared_time():
    berlin = member("be", "Europe/Berlin", ("tue", "19:00", "21:00"))
    new_york = member("ny", "America/New_York", ("tue", "13:00", "15:00"))

    result = pair_members([berlin, new_york], iso_week="2026-W10")

    assert result.groups[0].start == utc(2026, 3, 3, 18)


def test_pair_members_is_deterministic_for_a_seed():
    people = [member(k, "UTC", ("mon", "10:00", "12:00")) for k in range(12)]

    first = pair_members(people, iso_week="2026-W49", seed=7)
    again = pair_members(people, iso_week="2026-W49", seed=7)
    seeds = [pair_members(people, iso_week="2026-W49", seed=s) for s in range(5)]

    assert first == again
    assert len({frozenset(pairs_of(result)) for result in seeds}) > 1


def test_meeting_uid_ignores_member_order():
    uid = meeting_uid(group_key=3, iso_week="2026-W49", members=(12, 7), domain="x.org")

    assert uid == "roulette-3-2026-W49-12-7@x.org"
    assert uid == meeting_uid(
        group_key=3, iso_week="2026-W49", members=(7, 12), domain="x.org"
    )


def test_pair_members_rejects_duplicate_keys():
    with pytest.raises(ValueError):
        pair_members([member("a", "UTC"), member("a", "UTC")], iso_week="2026-W49")


def test_pair_members_rejects_meeting_length_off_the_quarter_grid():
    with pytest.raises(ValueError):
        pair_members(four_friends(), iso_week="2026-W49", minutes=20)


# --- Property: a valid, maximum matching on random groups -----------------------
# The references share no code with the pairing: pairs are found pair by pair
# with the public helpers; the optimum of a small group by exhaustive search,
# and the pair count of a bigger one by rustworkx on *every* eligible pair.

ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "America/St_Johns",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Australia/Sydney",
]


@st.composite
def groups(draw, *, max_size: int = 10):
    size = draw(st.integers(0, max_size))
    people = []
    for key in range(size):
        available = set()
        for _ in range(draw(st.integers(1, 3))):
            first = draw(st.integers(0, 2)) * 48 + draw(st.integers(0, 47))
            available.update(range(first, first + draw(st.integers(1, 12))))
        people.append(
            Member(
                key=key,
                tz=draw(st.sampled_from(ZONES)),
                available=frozenset(available),
                sat_out_last_time=draw(st.booleans()),
            )
        )
    all_pairs = [frozenset(pair) for pair in combinations(range(size), 2)]
    subsets = st.sets(st.sampled_from(all_pairs)) if all_pairs else st.just(set())
    return people, draw(subsets), draw(subsets), draw(subsets)


def eligible_pairs(people, *, iso_week, minutes, recent, blocked, met):
    """{pair of keys: pair_weight} for every eligible pair, one pair at a time.

    Two people are eligible when some quarter-hour starts a meeting both are
    free for from beginning to end (``utc_quarters``, as sets of quarters).
    """
    length = minutes // 15
    quarters = {p.key: utc_quarters(p, iso_week=iso_week) for p in people}
    starts = {
        key: {q for q in free if all(q + k in free for k in range(length))}
        for key, free in quarters.items()
    }
    weights = {}
    for a, b in combinations(people, 2):
        if starts[a.key].isdisjoint(starts[b.key]):
            continue
        pair = frozenset((a.key, b.key))
        if pair in recent or pair in blocked:
            continue
        weights[pair] = pair_weight(
            sat_out_count=a.sat_out_last_time + b.sat_out_last_time,
            met_before=pair in met,
            shared_quarters=len(quarters[a.key] & quarters[b.key]),
        )
    return weights


def exhaustive_best(keys, weights) -> tuple[int, int]:
    """(pairs, weight) of the best matching by trying every one: most pairs,
    then most weight."""

    @cache
    def best(left: frozenset) -> tuple[int, int]:
        if not left:
            return (0, 0)
        first = min(left)
        rest = left - {first}
        found = best(rest)  # nobody for `first`
        for other in rest:
            weight = weights.get(frozenset((first, other)))
            if weight is not None:
                pairs, total = best(rest - {other})
                found = max(found, (pairs + 1, total + weight))
        return found

    return best(frozenset(keys))


def rustworkx_pairs(keys, weights) -> int:
    """The maximum number of pairs, by rustworkx on every eligible pair."""
    index = {key: i for i, key in enumerate(keys)}
    graph = rustworkx.PyGraph()
    graph.add_nodes_from(list(keys))
    graph.add_edges_from([(index[a], index[b], 1) for a, b in weights])
    return len(rustworkx.max_weight_matching(graph, max_cardinality=True))


def assert_valid(result, people, weights, *, iso_week, minutes):
    """Everyone once, groups of 2-3 honouring the hard rules, true reasons."""
    placed = [key for group in result.groups for key in group.members]
    left = [entry.key for entry in result.sat_out]
    assert sorted(placed + left) == sorted(p.key for p in people)
    by_key = {p.key: p for p in people}
    partners = {p.key: set() for p in people}
    for a, b in weights:
        partners[a].add(b)
        partners[b].add(a)
    for group in result.groups:
        assert len(group.members) in (2, 3)
        assert all(
            frozenset(pair) in weights for pair in combinations(group.members, 2)
        )
        assert group.end - group.start == timedelta(minutes=minutes)
        stretches = shared_blocks(
            [by_key[k] for k in group.members], iso_week=iso_week, minutes=minutes
        )
        assert any(s <= group.start and group.end <= e for s, e in stretches)
    for key, reason in result.sat_out:
        assert (reason is SatOutReason.NO_COMMON_TIME) is not bool(partners[key])
        # Two people sitting out who could have met would be a missed pair.
        assert partners[key] & set(left) == set()
        if reason is SatOutReason.ALL_MATCHED:
            assert partners[key] <= set(placed)


@settings(max_examples=150, deadline=None)
@given(
    instance=groups(),
    iso_week=st.sampled_from(["2026-W11", "2026-W44", "2026-W49"]),
    minutes=st.sampled_from([30, 45, 60]),
    candidates=st.sampled_from([1, 2, 3, 12]),
    seed=st.integers(0, 3),
)
def test_pair_members_returns_a_maximum_matching_honouring_hard_rules(
    instance, iso_week, minutes, candidates, seed
):
    people, recent, blocked, met = instance
    result = pair_members(
        people,
        iso_week=iso_week,
        minutes=minutes,
        recent_pairs=recent,
        blocked=blocked,
        met_before=met,
        seed=seed,
        candidates_per_member=candidates,
    )
    weights = eligible_pairs(
        people,
        iso_week=iso_week,
        minutes=minutes,
        recent=recent,
        blocked=blocked,
        met=met,
    )
    pairs, weight = exhaustive_best([p.key for p in people], weights)

    assert_valid(result, people, weights, iso_week=iso_week, minutes=minutes)
    assert len(result.groups) == pairs
    if candidates >= len(people):
        # Nothing pruned: the weight is the exact optimum.
        assert result.total_weight == weight


@settings(max_examples=150, deadline=None)
@given(instance=groups(max_size=14), seed=st.integers(0, 3))
def test_pair_members_finds_every_pair_that_pruning_and_chunks_cut_off(instance, seed):
    people, recent, blocked, met = instance
    week = "2026-W11"
    # One candidate each and chunks of two: the weighted solve sees almost
    # nothing, so the pairs come from the exact search on all eligible pairs.
    result = pair_members(
        people,
        iso_week=week,
        recent_pairs=recent,
        blocked=blocked,
        met_before=met,
        seed=seed,
        candidates_per_member=1,
        chunk_size=2,
    )
    weights = eligible_pairs(
        people, iso_week=week, minutes=30, recent=recent, blocked=blocked, met=met
    )

    assert_valid(result, people, weights, iso_week=week, minutes=30)
    assert len(result.groups) == exhaustive_best([p.key for p in people], weights)[0]


@settings(max_examples=40, deadline=None)
@given(instance=groups(max_size=40), seed=st.integers(0, 3))
def test_pair_members_in_chunks_stays_valid_and_maximum(instance, seed):
    people, recent, blocked, met = instance
    week = "2026-W11"
    result = pair_members(
        people,
        iso_week=week,
        recent_pairs=recent,
        blocked=blocked,
        met_before=met,
        seed=seed,
        candidates_per_member=2,
        chunk_size=6,
    )
    weights = eligible_pairs(
        people, iso_week=week, minutes=30, recent=recent, blocked=blocked, met=met
    )

    assert_valid(result, people, weights, iso_week=week, minutes=30)
    assert len(result.groups) == rustworkx_pairs([p.key for p in people], weights)


def test_pair_members_keeps_the_pairs_a_later_augmenting_path_changed():
    # Chunks of two with one candidate each: two augmenting paths make both
    # pairs, the second re-pairing a member of the first. Re-weighing the
    # first path's members but not their new partners would lose a pair.
    blocks = [{1}, {1, 2, 3}, {0, 1}, {0}, {3, 4, 5}]  # Monday, UTC
    people = [Member(key, "UTC", frozenset(b)) for key, b in enumerate(blocks)]

    result = pair_members(
        people, iso_week="2026-W11", candidates_per_member=1, chunk_size=2
    )

    assert result.stats.augmenting_paths == 2
    assert len(result.groups) == 2
    assert result.sat_out == [SatOut(3, SatOutReason.ODD_NUMBER)]


def sparse_group(size: int, seed: int) -> tuple[list[Member], set[frozenset]]:
    """A big group of people free for one stretch of 1-2 hours a week (local
    time, Monday to Saturday), with five recent partners each on average; and
    20 more, free only on Sunday 12:00-13:00 UTC (Sunday in every zone here),
    who all met each other recently and share that hour with just four of the
    others. At most four of those 20 can be paired."""
    rng = random.Random(seed)
    people = []
    for key in range(size):
        first = rng.randrange(6) * 48 + rng.randrange(14, 44)
        end = min(first + rng.randint(2, 4), first // 48 * 48 + 48)
        people.append(
            Member(
                key,
                rng.choice(ZONES),
                frozenset(range(first, end)),
                rng.random() < 0.05,
            )
        )
    recent = {frozenset(rng.sample(range(size), 2)) for _ in range(size * 5 // 2)}
    sunday = free("sun", "12:00", "13:00")
    for key in range(4):
        people[key] = Member(key, "UTC", people[key].available | sunday)
    late = range(size, size + 20)
    people += [Member(key, "UTC", sunday) for key in late]
    recent |= {frozenset(pair) for pair in combinations(late, 2)}
    return people, recent


def test_pair_members_pairs_the_exact_maximum_in_a_sparse_group_of_2000():
    # Before the exact search on all eligible pairs, the chunked, pruned
    # solve made 995 pairs here, where 1,001 exist.
    people, recent = sparse_group(2000, seed=0)

    result = pair_members(people, iso_week="2026-W11", recent_pairs=recent)

    weights = eligible_pairs(
        people, iso_week="2026-W11", minutes=30, recent=recent, blocked=set(), met=set()
    )
    assert len(result.groups) == rustworkx_pairs([p.key for p in people], weights)
    assert result.stats.augmenting_paths > 0
    assert_valid(result, people, weights, iso_week="2026-W11", minutes=30)
    late = [reason for key, reason in result.sat_out if key >= 2000]
    assert len(late) >= 16
    assert set(late) == {SatOutReason.ALL_MATCHED}
