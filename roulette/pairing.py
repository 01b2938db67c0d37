"""Coffee roulette: who meets whom in one ISO week, and when.

Pure Python (no Django) so the weekly command, the "pick another time" page and
the benchmark all share one implementation.

Conventions
-----------
Availability
    A member's typical week as 336 half-hour blocks of *local wall-clock time*:
    ``block = weekday * 48 + hour * 2 + minute // 30`` with Monday = 0 (see
    ``block_index``). Block 0 is Monday 00:00-00:30, block 335 Sunday 23:30-24:00.

Target week
    ``"2026-W49"`` means the instants from that ISO week's Monday 00:00 UTC to
    the next Monday 00:00 UTC (672 UTC quarter-hours). Every member's weekly grid
    is laid over those same instants using the zone's real UTC offset at each
    instant, so daylight saving is honoured to the minute. We deliberately do
    not use each member's *local* ISO week: local weeks of zones 19 hours apart
    (Los Angeles and Sydney) never overlap on Los Angeles Sunday afternoon /
    Sydney Monday morning, so such a pair could never meet at that recurring
    time in any week. With one UTC window every instant belongs to exactly one
    target week, consecutive runs never overlap, and no pair loses a time. The
    price: a member far from UTC may meet on their local Sunday before (west)
    or Monday morning after (east) the calendar week; emails show the date.

Daylight-saving switches
    A local block that does not exist that day (the hour skipped in spring) is
    simply not available that week. A block that happens twice (the hour
    repeated in autumn) is available both times: the member said they are free
    whenever their clock shows that time.

Quarter indexes
    ``q`` in 0..671 is the UTC interval ``[monday_utc + 15q min, +15 min)``.
    Every zone in use today has an offset that is a whole number of
    quarter-hours (+5:45 Kathmandu, -3:30 St John's, ...), so each quarter lies
    inside exactly one local half-hour block.

Pairing
    Two members are *eligible* when they share a contiguous stretch of at least
    the meeting length in the target week, are not in ``recent_pairs`` (met
    within the repeat window) and not in ``blocked``. ``pair_members`` returns a
    maximum-cardinality matching of the whole eligible graph: the number of
    pairs is exact (Edmonds' blossom algorithm on every eligible pair). Among
    such matchings it looks for a high total ``pair_weight``: exactly on a
    graph pruned to each member's best candidates, split into chunks in big
    groups, so the weight is close to the optimum, not proven optimal.
"""

from __future__ import annotations

import random
import re
from collections import Counter, deque
from collections.abc import Collection, Hashable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from itertools import islice
from typing import NamedTuple
from zoneinfo import ZoneInfo

import rustworkx

BLOCKS_PER_WEEK = 7 * 48
QUARTERS_PER_WEEK = 7 * 24 * 4
QUARTER = timedelta(minutes=15)

#: Weight added per member of a pair who sat out last week.
PRIORITY_BONUS = 100
#: Weight added when the two have never met (``met_before`` lacks the pair).
NEW_PAIR_BONUS = 30
#: Shared time adds one point per common quarter-hour up to this many (4 hours):
#: more common time leaves room to reschedule, but beyond a few hours it does not
#: matter, and an uncapped term would make people with huge grids "hubs".
SHARED_QUARTERS_CAP = 16

#: Default pruning: each member keeps this many candidate partners.
DEFAULT_CANDIDATES_PER_MEMBER = 12
#: Largest group solved in one piece (see ``_EligibleGraph.match``).
CHUNK_SIZE = 1_000
#: Re-weighing after the exact search: partners taken in per path member.
POLISH_NEIGHBOURS = 16

# Local wall-clock hours preferred for the meeting (start inclusive, end exclusive).
_DAYTIME_HOURS = range(9, 18)
_ISO_WEEK = re.compile(r"(\d{4})-W(\d{2})")


class SatOutReason(StrEnum):
    """Why a member was left out this week (stable codes, safe to store)."""

    #: Nobody eligible shares a long enough stretch with them this week. On
    #: purpose this does not say whether blocks or the repeat window were the
    #: cause: telling someone they were blocked would leak it.
    NO_COMMON_TIME = "no_common_time"
    #: Their group of mutually reachable members is odd, a maximum matching
    #: leaves exactly one of them out, and no pair shared a block with them to
    #: make a trio.
    ODD_NUMBER = "odd_number"
    #: A maximum matching leaves two or more of their reachable group out:
    #: every eligible partner of theirs is paired, and pairing them would
    #: leave someone else out, since no matching pairs more people.
    ALL_MATCHED = "all_matched"

    @property
    def message(self) -> str:
        """Plain-English text for emails and pages."""
        return _REASON_MESSAGES[self]


_REASON_MESSAGES = {
    SatOutReason.NO_COMMON_TIME: "no common time with anyone",
    SatOutReason.ODD_NUMBER: "odd number",
    SatOutReason.ALL_MATCHED: "everyone eligible already matched",
}


@dataclass(frozen=True, slots=True)
class Member:
    """One opted-in member as the pairing sees them.

    ``key`` is opaque to this module (use the membership or user pk);
    ``available`` holds block indexes (see ``block_index``) in local time.
    """

    key: Hashable
    tz: str
    available: frozenset[int]
    sat_out_last_time: bool = False

    def __post_init__(self) -> None:
        # Fail when the member is built, not halfway through a weekly run.
        object.__setattr__(self, "available", frozenset(self.available))
        if any(not 0 <= b < BLOCKS_PER_WEEK for b in self.available):
            raise ValueError(f"blocks must be in 0..{BLOCKS_PER_WEEK - 1}")
        ZoneInfo(self.tz)


@dataclass(frozen=True, slots=True)
class Meeting:
    """A pair or trio and its chosen time (aware UTC datetimes)."""

    members: tuple[Hashable, ...]
    start: datetime
    end: datetime


class SatOut(NamedTuple):
    """A member without a group this week, and why (unpacks as (key, reason))."""

    key: Hashable
    reason: SatOutReason


@dataclass(frozen=True, slots=True)
class PairingStats:
    """Numbers for logs and the benchmark."""

    #: Pairs allowed by time and the hard rules (the unpruned graph's edges).
    eligible_pairs: int
    #: Edges left after pruning, handed to the matching algorithm.
    candidate_pairs: int
    #: Augmenting paths the exact search on all eligible pairs flipped after
    #: the chunks were solved: each is one pair the pruned solve had missed.
    #: The pair count is the maximum either way.
    augmenting_paths: int


@dataclass(frozen=True, slots=True)
class PairingResult:
    """Every input member is in exactly one group or in ``sat_out``.

    ``groups`` are ordered by their first member's input position; members
    within a group keep input order. ``total_weight`` is the summed
    ``pair_weight`` of the matched pairs (a trio's third member adds nothing).
    """

    groups: list[Meeting]
    sat_out: list[SatOut]
    total_weight: int
    stats: PairingStats


def block_index(*, day: int, hour: int, minute: int = 0) -> int:
    """Return the block holding local ``hour:minute`` on ``day`` (Monday = 0)."""
    if not (0 <= day < 7 and 0 <= hour < 24 and 0 <= minute < 60):
        raise ValueError("day 0..6, hour 0..23, minute 0..59")
    return day * 48 + hour * 2 + minute // 30


def iso_week_of(day: date) -> str:
    """Return the ISO week label (``"2026-W49"``) of ``day``.

    Use this, not ``strftime("%Y-W%W")``: ``%Y``/``%W`` are not ISO and differ
    around New Year.
    """
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_bounds(iso_week: str) -> tuple[date, date]:
    """Return the Monday of ``iso_week`` and the Monday after it."""
    match = _ISO_WEEK.fullmatch(iso_week)
    if match is None:
        raise ValueError(f"expected an ISO week like 2026-W49, got {iso_week!r}")
    monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
    return monday, monday + timedelta(weeks=1)


def week_start_utc(iso_week: str) -> datetime:
    """Return the instant quarter 0 of ``iso_week`` starts: Monday 00:00 UTC."""
    monday, _ = week_bounds(iso_week)
    return datetime(monday.year, monday.month, monday.day, tzinfo=UTC)


def utc_quarters(member: Member, *, iso_week: str) -> frozenset[int]:
    """Return the quarter indexes (0..671, see module doc) the member is free."""
    return frozenset(_bits(_quarter_mask(member, iso_week)))


def shared_blocks(
    members: Sequence[Member], *, iso_week: str, minutes: int = 30
) -> list[tuple[datetime, datetime]]:
    """Return the maximal stretches (UTC) all ``members`` share, of >= ``minutes``."""
    length = _meeting_quarters(minutes)
    origin = week_start_utc(iso_week)
    return [
        (origin + start * QUARTER, origin + end * QUARTER)
        for start, end in _runs(_shared_mask(members, iso_week))
        if end - start >= length
    ]


def common_slots(
    members: Sequence[Member], *, iso_week: str, minutes: int = 30
) -> list[datetime]:
    """Return every UTC start (15-minute steps) at which all ``members`` can meet."""
    length = _meeting_quarters(minutes)
    origin = week_start_utc(iso_week)
    starts = _run_starts(_shared_mask(members, iso_week), length)
    return [origin + q * QUARTER for q in _bits(starts)]


def meeting_uid(
    *, group_key: Hashable, iso_week: str, members: Collection[Hashable], domain: str
) -> str:
    """Return a stable iCalendar UID for one group's roulette meeting in a week.

    The same group, week and people always give the same UID, whatever order
    the keys come in, so "pick another time" re-sends the invitation with the
    same UID and a higher SEQUENCE instead of creating a second event. Keys are
    database ids; never put email addresses in a UID.
    """
    people = "-".join(sorted(str(key) for key in members))
    return f"roulette-{group_key}-{iso_week}-{people}@{domain}"


def pair_weight(*, sat_out_count: int, met_before: bool, shared_quarters: int) -> int:
    """Return the matching weight of a pair; the objective ``pair_members`` maximises.

    ``sat_out_count`` is how many of the two sat out last week (0-2) and
    ``shared_quarters`` how many quarter-hours they share in the target week.
    """
    return (
        PRIORITY_BONUS * sat_out_count
        + (0 if met_before else NEW_PAIR_BONUS)
        + min(shared_quarters, SHARED_QUARTERS_CAP)
    )


def pair_members(
    members: Sequence[Member],
    *,
    iso_week: str,
    minutes: int = 30,
    recent_pairs: Collection[frozenset] = frozenset(),
    blocked: Collection[frozenset] = frozenset(),
    met_before: Collection[frozenset] = frozenset(),
    seed: int = 0,
    candidates_per_member: int = DEFAULT_CANDIDATES_PER_MEMBER,
    chunk_size: int = CHUNK_SIZE,
) -> PairingResult:
    """Pair ``members`` for ``iso_week`` and pick each group's meeting time.

    Hard rules: a pair shares a stretch of ``minutes`` in the week, is not in
    ``recent_pairs`` (pairs of keys that met within the repeat window; the
    caller decides the window, 12 weeks by default) and not in ``blocked``.
    The number of pairs is the maximum over *all* eligible pairs, always;
    among such matchings it looks for a high total ``pair_weight`` (see below
    and docs/benchmarks.md for how close it comes); ``met_before`` (every
    pair that ever met) feeds its new-pair bonus. Someone left over joins a
    pair as a trio when all three share a stretch of ``minutes`` and the hard
    rules hold for both new pairs; otherwise they are in ``sat_out`` with a
    reason, which describes the maximum matching before trios.

    The meeting starts inside everyone's local 09:00-18:00 when possible, and
    otherwise at the earliest shared time of the week.

    For speed the weights are only looked at on a pruned graph: each member
    keeps its ``candidates_per_member`` most promising partners, groups over
    ``chunk_size`` are split into chunks of members free at similar UTC hours,
    and each chunk is matched exactly on its candidates (rustworkx: maximum
    cardinality, then weight). Both knobs default to what the benchmark
    measured, and neither can cost a pair: an exact search for augmenting
    paths on the whole eligible graph then pairs everyone the pruning left
    apart (``stats.augmenting_paths`` counts them), and the pairs it made are
    re-weighed among their neighbours.

    The result depends only on the inputs, their order and ``seed``. Pure: no
    side effects.
    """
    length = _meeting_quarters(minutes)
    if candidates_per_member < 1 or chunk_size < 2:
        raise ValueError("need candidates_per_member >= 1 and chunk_size >= 2")
    members = list(members)
    position = {member.key: index for index, member in enumerate(members)}
    if len(position) != len(members):
        raise ValueError("member keys must be unique")

    rng = random.Random(seed)
    # Work on a seeded shuffle: node order decides ties in the matching and the
    # candidate scans, so the seed varies who meets whom among equal choices.
    order = list(range(len(members)))
    rng.shuffle(order)
    people = [members[index] for index in order]
    internal = {person.key: i for i, person in enumerate(people)}
    graph = _EligibleGraph.build(
        people,
        iso_week=iso_week,
        length=length,
        excluded=_pair_indexes(internal, recent_pairs, blocked),
        met=_pair_indexes(internal, met_before),
    )

    mate, candidate_pairs, augmenting_paths = graph.match(
        rng, candidates_per_member=candidates_per_member, chunk_size=chunk_size
    )
    # Counted before trios seat some of them: the reasons describe the matching.
    unmatched = Counter(graph.component[i] for i, j in enumerate(mate) if j == -1)
    trios = graph.add_trios(mate)

    origin = week_start_utc(iso_week)
    groups: list[tuple[int, ...]] = []
    total_weight = 0
    for i, j in enumerate(mate):
        if i < j:
            total_weight += graph.weight(i, j)
            third = trios.get(i)
            groups.append((i, j) if third is None else (i, j, third))
    meetings = []
    for group in groups:
        start = graph.pick_start(group)
        ordered = sorted(order[i] for i in group)
        meetings.append(
            Meeting(
                members=tuple(members[index].key for index in ordered),
                start=origin + start * QUARTER,
                end=origin + (start + length) * QUARTER,
            )
        )
    meetings.sort(key=lambda meeting: position[meeting.members[0]])

    in_groups = {i for group in groups for i in group}
    left = [i for i in range(graph.size) if i not in in_groups]
    sat_out = [SatOut(members[order[i]].key, graph.reason(i, unmatched)) for i in left]
    sat_out.sort(key=lambda entry: position[entry.key])
    return PairingResult(
        groups=meetings,
        sat_out=sat_out,
        total_weight=total_weight,
        stats=PairingStats(
            eligible_pairs=graph.eligible_pairs(),
            candidate_pairs=candidate_pairs,
            augmenting_paths=augmenting_paths,
        ),
    )


# --- Internals: availability as bit masks --------------------------------------
# Bit q of a mask is quarter q of the target week. Python ints make AND, shifts
# and popcounts over the 672 quarters (or over 10,000 members) single C calls.


@dataclass(frozen=True, slots=True)
class _ZoneWeek:
    block_masks: tuple[int, ...]  # local block -> UTC quarters showing it
    daytime: int  # quarters inside local 09:00-18:00


@lru_cache(maxsize=512)
def _zone_week(tz: str, iso_week: str) -> _ZoneWeek:
    zone = ZoneInfo(tz)
    origin = week_start_utc(iso_week)
    block_masks = [0] * BLOCKS_PER_WEEK
    daytime = 0
    for q in range(QUARTERS_PER_WEEK):
        start = origin + q * QUARTER
        local = start.astimezone(zone)
        offset = local.utcoffset()
        last = (start + QUARTER - timedelta(microseconds=1)).astimezone(zone)
        # A quarter maps onto one local block only when the offset is whole
        # quarter-hours and does not change inside it: true of every zone in use
        # today, but historical offsets (e.g. LMT) break it, so refuse loudly.
        if offset is None or offset % QUARTER or last.utcoffset() != offset:
            raise ValueError(f"{tz} is not on a 15-minute UTC grid in {iso_week}")
        block = local.weekday() * 48 + local.hour * 2 + local.minute // 30
        block_masks[block] |= 1 << q
        if local.hour in _DAYTIME_HOURS:
            daytime |= 1 << q
    return _ZoneWeek(tuple(block_masks), daytime)


def _quarter_mask(member: Member, iso_week: str) -> int:
    block_masks = _zone_week(member.tz, iso_week).block_masks
    mask = 0
    for block in member.available:
        mask |= block_masks[block]
    return mask


def _shared_mask(members: Sequence[Member], iso_week: str) -> int:
    if not members:
        raise ValueError("need at least one member")
    mask = -1
    for member in members:
        mask &= _quarter_mask(member, iso_week)
    return mask


def _meeting_quarters(minutes: int) -> int:
    if minutes <= 0 or minutes % 15 or minutes > QUARTERS_PER_WEEK * 15:
        raise ValueError("minutes must be a positive multiple of 15 within a week")
    return minutes // 15


def _run_starts(mask: int, length: int) -> int:
    """Bit q is set when quarters q..q+length-1 are all set in ``mask``."""
    starts = mask
    for shift in range(1, length):
        starts &= mask >> shift
    return starts


def _bits(mask: int) -> list[int]:
    # bin() plus str.find is far faster than peeling bits one by one from a
    # 10,000-bit integer, which copies the whole integer per step.
    text = bin(mask)[:1:-1]
    found = []
    index = text.find("1")
    while index != -1:
        found.append(index)
        index = text.find("1", index + 1)
    return found


def _mask(indexes: Sequence[int]) -> int:
    row = bytearray(max(indexes, default=0) // 8 + 1)
    for i in indexes:
        row[i >> 3] |= 1 << (i & 7)
    return int.from_bytes(row, "little")


def _rotated_bits(mask: int, start: int) -> Iterator[int]:
    """Yield set bits from ``start`` upwards, then wrap around from 0."""
    text = bin(mask)[:1:-1]
    index = text.find("1", start)
    while index != -1:
        yield index
        index = text.find("1", index + 1)
    index = text.find("1", 0, start)
    while index != -1:
        yield index
        index = text.find("1", index + 1, start)


def _runs(mask: int) -> list[tuple[int, int]]:
    """Return maximal runs of set bits as half-open (start, end) pairs."""
    text = bin(mask)[:1:-1] if mask > 0 else ""
    runs = []
    start = text.find("1")
    while start != -1:
        end = text.find("0", start)
        end = len(text) if end == -1 else end
        runs.append((start, end))
        start = text.find("1", end)
    return runs


def _pair_indexes(
    internal: dict[Hashable, int], *pair_sets: Collection[frozenset]
) -> list[set[int]]:
    """Turn pairs of keys into per-member partner sets; unknown keys are ignored."""
    partners: list[set[int]] = [set() for _ in internal]
    for pairs in pair_sets:
        for pair in pairs:
            if len(pair) != 2:
                continue
            a, b = (internal.get(key) for key in pair)
            if a is not None and b is not None:
                partners[a].add(b)
                partners[b].add(a)
    return partners


# --- Internals: maximum cardinality on the whole eligible graph ------------------
# Edmonds' blossom algorithm for cardinality alone, on the adjacency bit sets: a
# search touches each member once and handles all of a member's neighbours with
# a few big-integer operations, so it never lists the (up to 12 million) pairs.


def _augment_to_maximum(
    adjacency: list[int], mate: list[int], component: list[int]
) -> list[list[int]]:
    """Flip augmenting paths into ``mate`` until it is a maximum matching.

    ``adjacency`` holds each member's eligible partners as a bit set, ``mate``
    each member's partner or -1 (changed in place), ``component`` the connected
    component of each. One search per unmatched member: a found augmenting
    path (unmatched at both ends, alternating unmatched and matched pairs) is
    flipped, which pairs two more people. A failed search ends in a
    "Hungarian" tree, through which no augmenting path can go (the classic
    lemma of Edmonds' algorithm: its outer blossoms are odd pieces that only
    its inner members reach, so the tree's pairs are a maximum matching of
    its members whatever the rest does); later flips happen outside it and
    leave it so, and later searches skip its members. A member alone among
    the unmatched of its component fails without a search, since a path joins
    two unmatched members. When every unmatched member has failed, there is
    no augmenting path left, and by Berge's theorem no matching of the
    eligible graph pairs more people. Returns the flipped paths (their pairs
    have not been weighed).
    """
    searchable = Counter(
        component[i] for i, partner in enumerate(mate) if partner == -1 and adjacency[i]
    )
    alive = (1 << len(mate)) - 1
    paths = []
    for root, partner in enumerate(mate):
        if partner != -1 or not adjacency[root]:
            continue
        path: list[int] | int = 0
        if searchable[component[root]] >= 2:
            path = _augmenting_path(adjacency, mate, root, alive=alive)
        if isinstance(path, int):
            alive &= ~path  # the failed search's Hungarian tree (0: none)
            searchable[component[root]] -= 1
            continue
        searchable[component[root]] -= 2
        for a, b in zip(path[::2], path[1::2], strict=True):
            mate[a], mate[b] = b, a
        paths.append(path)
    return paths


def _augmenting_path(
    adjacency: list[int], mate: list[int], root: int, *, alive: int
) -> list[int] | int:
    """An augmenting path from unmatched ``root``, or the members searched.

    Only members in the bit set ``alive`` are searched through. The path is a
    list in which each two consecutive members are a pair to make; when there
    is none, the bit set of the failed tree is returned instead.

    The classic O(n^3) form of Edmonds' search (an alternating tree grown
    breadth first, odd cycles shrunk into blossoms that are then searched as one
    outer member), with a union-find over blossoms instead of relabelling every
    member at each shrink. ``parent`` of an inner member is the outer member it
    was reached from; inside a blossom, outer members get a ``parent`` too, so
    that a path can be traced through the blossom either way round.
    """
    size = len(mate)
    parent = [-1] * size
    link = list(range(size))  # union-find: blossom members point to a representative
    base = list(range(size))  # representative -> the base (stem end) of its blossom
    members: dict[int, int] = {}  # representative -> bit set of its blossom
    in_tree = bytearray(size)
    in_tree[root] = 1
    tree = outer = 1 << root
    queue = deque([root])

    def find(x: int) -> int:
        while link[x] != x:
            link[x] = link[link[x]]
            x = link[x]
        return x

    def lowest_common_base(a: int, b: int) -> int:
        seen = set()
        while True:
            a = base[find(a)]
            seen.add(a)
            if mate[a] == -1:
                break
            a = parent[mate[a]]
        while True:
            b = base[find(b)]
            if b in seen:
                return b
            b = parent[mate[b]]

    def walk(v: int, top: int, child: int, found: list[int]) -> None:
        # Up from v to the blossom's base, pointing outer members at the other
        # side of the odd cycle.
        while base[find(v)] != top:
            found += (find(v), find(mate[v]))
            parent[v] = child
            child = mate[v]
            v = parent[child]

    while queue:
        v = queue.popleft()
        near = adjacency[v] & alive
        for to in _bits(near & ~tree):
            if in_tree[to]:
                continue  # the partner of a neighbour reached just before
            parent[to] = v
            partner = mate[to]
            if partner == -1:
                path: list[int] = []
                while to != -1:
                    up = parent[to]
                    path += (to, up)
                    to = mate[up]
                return path
            in_tree[to] = in_tree[partner] = 1
            tree |= (1 << to) | (1 << partner)
            outer |= 1 << partner
            queue.append(partner)
        # Outer neighbours in another blossom close an odd cycle: shrink it.
        while other := near & outer & ~members.get(find(v), 1 << find(v)):
            to = (other & -other).bit_length() - 1
            top = lowest_common_base(v, to)
            found: list[int] = []
            walk(v, top, to, found)
            walk(to, top, v, found)
            keep = find(top)
            joined = members.pop(keep, 1 << keep)
            for rep in map(find, found):
                if rep != keep:
                    link[rep] = keep
                    joined |= members.pop(rep, 1 << rep)
            members[keep] = joined
            base[keep] = top
            fresh = joined & ~outer
            outer |= fresh
            tree |= fresh
            for x in _bits(fresh):
                in_tree[x] = 1
                queue.append(x)
    return tree


# --- Internals: the eligible graph ----------------------------------------------


@dataclass(slots=True)
class _EligibleGraph:
    people: list[Member]
    length: int
    quarters: list[int]  # per member: free quarters
    starts: list[int]  # per member: quarters a meeting could start
    daytime: list[int]  # per member: quarters in local 09:00-18:00
    adjacency: list[int]  # per member: bit set over members it may meet
    met: list[set[int]]
    component: list[int]  # per member: component id in the eligible graph

    @classmethod
    def build(
        cls,
        people: list[Member],
        *,
        iso_week: str,
        length: int,
        excluded: list[set[int]],
        met: list[set[int]],
    ) -> _EligibleGraph:
        quarters = [_quarter_mask(person, iso_week) for person in people]
        starts = [_run_starts(mask, length) for mask in quarters]
        # Members who can start a meeting at quarter q, as one bit set per q.
        # Two members are compatible exactly when their start masks intersect,
        # so OR-ing these sets over a member's starts gives all their
        # compatible members in |starts| big-integer operations instead of a
        # loop over every other member.
        by_start = [bytearray((len(people) + 8) // 8) for _ in range(QUARTERS_PER_WEEK)]
        for i, mask in enumerate(starts):
            byte, bit = i >> 3, 1 << (i & 7)
            for q in _bits(mask):
                by_start[q][byte] |= bit
        starters = [int.from_bytes(row, "little") for row in by_start]
        adjacency = []
        for i, mask in enumerate(starts):
            reach = 0
            for q in _bits(mask):
                reach |= starters[q]
            drop = 1 << i
            for j in excluded[i]:
                drop |= 1 << j
            adjacency.append(reach & ~drop)
        graph = cls(
            people=people,
            length=length,
            quarters=quarters,
            starts=starts,
            daytime=[_zone_week(p.tz, iso_week).daytime for p in people],
            adjacency=adjacency,
            met=met,
            component=[],
        )
        graph.component = graph._components()
        return graph

    @property
    def size(self) -> int:
        return len(self.people)

    def eligible_pairs(self) -> int:
        return sum(mask.bit_count() for mask in self.adjacency) // 2

    def weight(self, i: int, j: int) -> int:
        """``pair_weight`` of members ``i`` and ``j``."""
        sat_out = self.people[i].sat_out_last_time + self.people[j].sat_out_last_time
        return PRIORITY_BONUS * sat_out + self.score(i, j)

    def score(self, i: int, j: int) -> int:
        """What the pair itself brings: new-pair bonus and shared time."""
        shared = (self.quarters[i] & self.quarters[j]).bit_count()
        bonus = 0 if j in self.met[i] else NEW_PAIR_BONUS
        return bonus + min(shared, SHARED_QUARTERS_CAP)

    def best_score(self, i: int, *, within: int, start: int) -> int:
        """The highest ``score`` member ``i`` reaches with anyone in ``within``."""
        top = NEW_PAIR_BONUS + SHARED_QUARTERS_CAP
        best = 0
        for j in _rotated_bits(self.adjacency[i] & within, start):
            best = max(best, self.score(i, j))
            if best == top:
                break
        return best

    def candidates(
        self, i: int, *, within: int, count: int, start: int, best: list[int]
    ) -> list[int]:
        """Return member ``i``'s ``count`` most promising partners in ``within``.

        A partner ranks by ``2 * score - best[partner]``: what the pair brings,
        less what the partner could get elsewhere (a rough dual price). Ranking
        by the pair's score alone lists people with big grids for everyone,
        while the optimum often pairs two people with small grids together and
        frees the big grids for each other. The partner's sat-out priority is
        left out for the same reason: everyone would list the same few people.
        Ties go to the first found scanning from a random start in the seeded
        order, which spreads choices like a random k-out graph.
        """
        adjacent = self.adjacency[i] & within
        if adjacent.bit_count() <= count:
            return _bits(adjacent)
        # 2 * score - best[j] <= score <= best[i], so best[i] cannot be beaten.
        ceiling = best[i]
        found: dict[int, list[int]] = {}
        for j in _rotated_bits(adjacent, start):
            rank = 2 * self.score(i, j) - best[j]
            bucket = found.setdefault(rank, [])
            if len(bucket) < count:
                bucket.append(j)
                if rank == ceiling and len(bucket) == count:
                    break
        chosen: list[int] = []
        for rank in sorted(found, reverse=True):
            chosen.extend(found[rank][: count - len(chosen)])
        return chosen

    def match(
        self, rng: random.Random, *, candidates_per_member: int, chunk_size: int
    ) -> tuple[list[int], int, int]:
        """Return (mate per member or -1, pruned edge count, augmenting paths).

        Three steps. The weights: rustworkx's weighted blossom algorithm
        grows roughly with the cube of the node count (minutes for 10,000
        nodes with these weights, even pruned), so a bigger group is split
        into near-equal chunks of at most ``chunk_size`` members free at
        similar UTC hours, each member keeps its best candidates inside its
        chunk, and each chunk is solved exactly on those candidates (maximum
        cardinality, then weight). That can miss pairs the pruning or the
        chunk borders cut off, so the count: ``_augment_to_maximum`` grows the
        result to a maximum-cardinality matching of the *whole* eligible
        graph, exactly. Last, ``polish`` re-weighs the pairs those
        augmenting paths made, keeping the count.
        """
        n = self.size
        mate = [-1] * n
        best = [0] * n
        chunks = -(-n // chunk_size)
        kept = 0
        order = sorted(range(n), key=self._locality) if chunks > 1 else range(n)
        for chunk in range(chunks):
            # Equal-sized chunks, so the last one is not a tiny remainder.
            nodes = sorted(order[chunk * n // chunks : (chunk + 1) * n // chunks])
            within = _mask(nodes)
            for i in nodes:
                best[i] = self.best_score(i, within=within, start=rng.randrange(n))
            edges: set[tuple[int, int]] = set()
            for i in nodes:
                for j in self.candidates(
                    i,
                    within=within,
                    count=candidates_per_member,
                    start=rng.randrange(n),
                    best=best,
                ):
                    edges.add((i, j) if i < j else (j, i))
            kept += len(edges)
            self.solve_into(mate, nodes, edges)
        paths = _augment_to_maximum(self.adjacency, mate, self.component)
        self.polish(mate, paths, rng, limit=chunk_size)
        return mate, kept, len(paths)

    def _locality(self, i: int) -> tuple[int, int]:
        # Chunks should hold people free at the same UTC hours, so that most
        # good partners share a chunk: sort on the UTC time of day of the
        # member's first possible start (the benchmark tried the busiest hour
        # and the zone offset too; this kept the most weight).
        starts = self.starts[i]
        first = (starts & -starts).bit_length() - 1
        return first % 96, i

    def solve_into(
        self, mate: list[int], nodes: list[int], edges: set[tuple[int, int]]
    ) -> None:
        """Match ``nodes`` exactly on ``edges``, writing partners (or -1) to ``mate``.

        Maximum cardinality first, then maximum total weight (rustworkx).
        Partners of ``nodes`` outside ``nodes`` must not exist.
        """
        local = {node: index for index, node in enumerate(nodes)}
        graph = rustworkx.PyGraph(multigraph=False)
        graph.add_nodes_from(nodes)
        graph.add_edges_from(
            [(local[i], local[j], self.weight(i, j)) for i, j in sorted(edges)]
        )
        for node in nodes:
            mate[node] = -1
        for a, b in rustworkx.max_weight_matching(
            graph, max_cardinality=True, weight_fn=int
        ):
            mate[nodes[a]], mate[nodes[b]] = nodes[b], nodes[a]

    def polish(
        self, mate: list[int], paths: list[list[int]], rng: random.Random, *, limit: int
    ) -> None:
        """Re-weigh the pairs the augmenting paths made, without losing any.

        Each region holds path members, up to ``POLISH_NEIGHBOURS`` eligible
        partners of each and those partners' partners (about ``limit``
        members at most), so it is closed under the matching; it is re-solved
        on all its eligible pairs for maximum cardinality, then weight. The
        matching inside a region is a maximum one of the region (a bigger one,
        with the pairs outside, would beat the maximum of the whole graph), so
        the count stays and the weight inside can only rise.
        """
        used: set[int] = set()
        region: set[int] = set()
        regions: list[list[int]] = []
        for path in paths:
            # Everyone comes with their partner in the final matching (a later
            # path may have re-paired an earlier one's members). ``used`` is
            # closed under the matching too, so what is left after taking it
            # away stays closed.
            grown = set(path) | {mate[i] for i in path}
            for i in path:
                if len(grown) >= limit:
                    break  # a region's solve grows with the cube of its size
                partners = _rotated_bits(self.adjacency[i], rng.randrange(self.size))
                for j in islice(
                    (j for j in partners if j not in used), POLISH_NEIGHBOURS
                ):
                    grown.add(j)
                    if mate[j] != -1:
                        grown.add(mate[j])
            grown -= used
            if region and len(region) + len(grown) > limit:
                regions.append(sorted(region))
                region = set()
            region |= grown
            used |= grown
        if region:
            regions.append(sorted(region))
        for nodes in regions:
            inside = _mask(nodes)
            edges = {
                (i, j)
                for i in nodes
                for j in _bits(self.adjacency[i] & inside)
                if i < j
            }
            self.solve_into(mate, nodes, edges)

    def add_trios(self, mate: list[int]) -> dict[int, int]:
        """Seat leftover members with a pair when all three share a stretch.

        Returns {pair member with the lower index: third member}. The pair whose
        common time with the newcomer is longest wins; one trio per pair.
        """
        trios: dict[int, int] = {}
        taken: set[int] = set()
        for i in range(self.size):
            if mate[i] != -1 or not self.adjacency[i]:
                continue
            best = None
            best_time = 0
            for a in _bits(self.adjacency[i]):
                b = mate[a]
                # Both newcomer pairs must be eligible: time and hard rules.
                if b == -1 or a in taken or not (self.adjacency[i] >> b) & 1:
                    continue
                if not self.starts[i] & self.starts[a] & self.starts[b]:
                    continue
                shared = (
                    self.quarters[i] & self.quarters[a] & self.quarters[b]
                ).bit_count()
                if shared > best_time:
                    best, best_time = min(a, b), shared
            if best is not None:
                trios[best] = i
                taken.update((best, mate[best]))
        return trios

    def pick_start(self, group: tuple[int, ...]) -> int:
        """Earliest start inside everyone's local 09:00-18:00, else earliest."""
        free = -1
        daytime = -1
        for i in group:
            free &= self.quarters[i]
            daytime &= self.daytime[i]
        starts = _run_starts(free, self.length)
        preferred = starts & _run_starts(daytime, self.length)
        chosen = preferred or starts
        return (chosen & -chosen).bit_length() - 1

    def reason(self, i: int, unmatched: Counter[int]) -> SatOutReason:
        """Why ``i`` has no group.

        ``unmatched`` counts, per component, the members a *maximum* matching
        leaves unpaired (before trios). Only then are the reasons true: a lone
        unmatched member means the component is odd, and with two or more, all
        of ``i``'s eligible partners are paired (an unpaired one would make a
        bigger matching) and pairing ``i`` would leave someone else out.
        """
        if not self.adjacency[i]:
            return SatOutReason.NO_COMMON_TIME
        if unmatched[self.component[i]] == 1:
            return SatOutReason.ODD_NUMBER
        return SatOutReason.ALL_MATCHED

    def _components(self) -> list[int]:
        component = [-1] * self.size
        remaining = (1 << self.size) - 1
        cid = 0
        while remaining:
            first = (remaining & -remaining).bit_length() - 1
            seen = frontier = 1 << first
            while frontier:
                reach = 0
                for i in _bits(frontier):
                    reach |= self.adjacency[i]
                frontier = reach & ~seen
                seen |= frontier
            for i in _bits(seen):
                component[i] = cid
            remaining &= ~seen
            cid += 1
        return component
