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
    maximum-cardinality matching of maximum total ``pair_weight`` among those,
    computed exactly (rustworkx, Edmonds' blossom algorithm) on a graph pruned
    to each member's best candidates.
"""

from __future__ import annotations

import random
import re
from collections import Counter
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
#: Components left short of a maximum matching are re-solved on all their
#: eligible pairs when they have at most this many members and pairs (about a
#: second in rustworkx).
EXACT_NODE_LIMIT = 1_500
EXACT_EDGE_LIMIT = 200_000
#: Largest group solved in one piece (see ``_EligibleGraph.match``).
CHUNK_SIZE = 1_000
#: Repair: partners sampled per unmatched member, and rounds at most.
REPAIR_NEIGHBOURS = 16
REPAIR_ROUNDS = 3

# Local wall-clock hours preferred for the meeting (start inclusive, end exclusive).
_DAYTIME_HOURS = range(9, 18)
_ISO_WEEK = re.compile(r"(\d{4})-W(\d{2})")


class SatOutReason(StrEnum):
    """Why a member was left out this week (stable codes, safe to store)."""

    #: Nobody eligible shares a long enough stretch with them this week. On
    #: purpose this does not say whether blocks or the repeat window were the
    #: cause: telling someone they were blocked would leak it.
    NO_COMMON_TIME = "no_common_time"
    #: Their group of mutually reachable members is odd and everyone else got a
    #: partner, and no pair shared a block with them to make a trio.
    ODD_NUMBER = "odd_number"
    #: All their possible partners were needed elsewhere to pair the most people.
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
    #: True when the pair count is proven to be the maximum over all eligible
    #: pairs (each component of the eligible graph has at most one unmatched
    #: member, or was solved on all its pairs).
    max_cardinality_proven: bool


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
    Among matchings that pair the most people it looks for the highest total
    ``pair_weight`` (exactly on the pruned graph described below; within 0.2%
    of the unpruned optimum on the benchmark); ``met_before`` (every pair that
    ever met) feeds its new-pair bonus. Someone left over joins a pair as a
    trio when all three share a stretch of ``minutes`` and the hard rules hold
    for both new pairs; otherwise they are in ``sat_out`` with a reason.

    The meeting starts inside everyone's local 09:00-18:00 when possible, and
    otherwise at the earliest shared time of the week.

    For speed each member keeps its ``candidates_per_member`` most promising
    partners and the exact matching (rustworkx) runs on that pruned graph;
    groups over ``chunk_size`` are split into chunks of members free at similar
    UTC hours, each matched exactly, and whoever is left is then re-matched
    across chunks. Both knobs default to what the benchmark measured.
    ``stats.max_cardinality_proven`` says whether the number of pairs is
    provably the maximum over *all* eligible pairs (it was on every benchmark
    run).

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

    mate, candidate_pairs, proven = graph.match(
        rng, candidates_per_member=candidates_per_member, chunk_size=chunk_size
    )
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
    left_per_component = Counter(graph.component[i] for i in left)
    sat_out = [
        SatOut(members[order[i]].key, graph.reason(i, left_per_component)) for i in left
    ]
    sat_out.sort(key=lambda entry: position[entry.key])
    return PairingResult(
        groups=meetings,
        sat_out=sat_out,
        total_weight=total_weight,
        stats=PairingStats(
            eligible_pairs=graph.eligible_pairs(),
            candidate_pairs=candidate_pairs,
            max_cardinality_proven=proven,
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
    ) -> tuple[list[int], int, bool]:
        """Return (mate per member or -1, pruned edge count, proven maximum).

        rustworkx's blossom algorithm grows roughly with the cube of the node
        count (minutes for 10,000 nodes with these weights, even pruned), so a
        bigger group is split into near-equal chunks of at most ``chunk_size``
        members free at similar UTC hours. Each member picks its candidates
        inside its chunk and each chunk is solved exactly. Then ``repair``
        re-solves around whoever is left unmatched, across chunks. On the
        benchmark this keeps 99.9% of the weight of one unchunked solve.
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
        return mate, kept, self.repair(mate, rng, chunk_size=chunk_size)

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

    def repair(self, mate: list[int], rng: random.Random, *, chunk_size: int) -> bool:
        """Pair more people where chunking or pruning left some apart.

        A component of the eligible graph with at most one unmatched member is
        already maximum: a matching cannot cover an odd component. A short
        component (two or more unmatched) of at most ``EXACT_NODE_LIMIT``
        members and ``EXACT_EDGE_LIMIT`` pairs is re-solved exactly on all its
        pairs. A bigger one is re-solved in regions of about ``chunk_size``
        members: unmatched members, up to ``REPAIR_NEIGHBOURS`` of their
        eligible partners each, those partners' partners and any unmatched
        member next to either, with every eligible pair inside. That finds
        every augmenting path of one edge and those of three edges through the
        sampled partners, and more as the solver sees fit; it is best effort,
        and the return value says so. Rounds stop when one pairs nobody new.
        Returns whether the pair count is proven maximum.
        """
        exact: set[int] = set()  # ids of components solved on all their pairs
        left = mate.count(-1)
        for _ in range(REPAIR_ROUNDS):
            short = [
                component
                for component in self._short_components(mate)
                if self.component[component[0]] not in exact
            ]
            if not short:
                break
            for component in short:
                full = sum(self.adjacency[i].bit_count() for i in component) // 2
                if len(component) <= EXACT_NODE_LIMIT and full <= EXACT_EDGE_LIMIT:
                    exact.add(self.component[component[0]])
                    regions = [component]
                else:
                    regions = self._regions(component, mate, rng, limit=chunk_size)
                for region in regions:
                    inside = _mask(region)
                    edges = {
                        (i, j)
                        for i in region
                        for j in _bits(self.adjacency[i] & inside)
                        if i < j
                    }
                    self.solve_into(mate, region, edges)
            if mate.count(-1) == left:
                break  # whoever is left is left for good, or out of our reach
            left = mate.count(-1)
        return all(
            self.component[component[0]] in exact
            for component in self._short_components(mate)
        )

    def _regions(
        self, component: list[int], mate: list[int], rng: random.Random, *, limit: int
    ) -> list[list[int]]:
        """Disjoint node sets around the unmatched members of ``component``.

        Each is closed under the matching, because re-solving frees every pair
        inside it.
        """
        unmatched = _mask([i for i in component if mate[i] == -1])
        regions: list[list[int]] = []
        region: set[int] = set()
        used: set[int] = set()
        for i in component:
            if mate[i] != -1 or i in used:
                continue
            # Augmenting paths of one edge (i - v) and of three (i - j = k - v)
            # end at another unmatched member v: take those in explicitly, and
            # sample the rest of i's neighbourhood.
            grown = {i}
            partners = _rotated_bits(self.adjacency[i], rng.randrange(self.size))
            for j in islice((j for j in partners if j not in used), REPAIR_NEIGHBOURS):
                grown.add(j)
                k = mate[j]
                if k != -1:
                    grown.add(k)
                    grown.update(_bits(self.adjacency[k] & unmatched))
            grown.update(_bits(self.adjacency[i] & unmatched))
            grown -= used
            # Keep the region closed under the matching.
            grown |= {mate[j] for j in grown if mate[j] != -1}
            if region and len(region) + len(grown) > limit:
                regions.append(sorted(region))
                region = set()
            region |= grown
            used |= grown
        if region:
            regions.append(sorted(region))
        return regions

    def _short_components(self, mate: list[int]) -> list[list[int]]:
        """Components of the eligible graph with two or more unmatched members."""
        unmatched = Counter(
            self.component[i]
            for i in range(self.size)
            if mate[i] == -1 and self.adjacency[i]
        )
        groups: dict[int, list[int]] = {}
        for i in range(self.size):
            if unmatched[self.component[i]] >= 2:
                groups.setdefault(self.component[i], []).append(i)
        return list(groups.values())

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

    def reason(self, i: int, left_per_component: Counter[int]) -> SatOutReason:
        """Why ``i`` has no group; ``left_per_component`` counts such members."""
        if not self.adjacency[i]:
            return SatOutReason.NO_COMMON_TIME
        if left_per_component[self.component[i]] == 1:
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
