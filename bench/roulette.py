"""Benchmark of the coffee roulette pairing against references it does not share.

Run from the repository root::

    .venv/bin/python -m bench.roulette            # 1,000 / 2,000 / 5,000 / 10,000
    .venv/bin/python -m bench.roulette --availability sparse
    .venv/bin/python -m bench.roulette --sizes 1000 --reference-edge-limit 0

Each size runs in a fresh child process, so "peak RSS" is that run's own high
water mark (interpreter + instance + pairing). For every size the benchmark

* generates a seeded group: 20 zones (incl. +5:30, +5:45, -3:30, both
  hemispheres), 5% who sat out last week, a few blocks, 12 weeks of recent
  pairs (hard rule) and 20 older weeks (only the new-pair bonus). With
  ``--availability habits`` (the default) people have one to three weekly
  habits in local time (evenings, lunches, workday and weekend blocks); with
  ``sparse`` each is free for a single stretch of 30 minutes to 2 hours;
* times ``pair_members`` (runtime and peak memory);
* checks every hard rule on the result with the public helpers;
* builds the *unpruned* eligible graph independently, pair by pair, and
  compares with references computed on it, printing each with how it was
  obtained:

  - pairs: the exact maximum from rustworkx on every eligible pair (from the
    weighted solve below, or a max-cardinality solve with unit weights when
    the graph has at most ``--pairs-reference-edge-limit`` edges); otherwise
    the upper bound "sum of floor(component size / 2)", which proves the count
    is the maximum when reached;
  - weight: the exact optimum from rustworkx on every eligible pair
    (max-cardinality, then max-weight) when the graph has at most
    ``--reference-edge-limit`` edges; otherwise the dual bound of the matching
    LP (see ``_weight_bound``), an upper bound, so the ratio understates.

rustworkx's matching grows with nodes x edges, which is why big graphs get
bounds: on the shared 2-core machine the weighted solve took 18.6 s for
472,508 pairs and the unit-weight one 86.1 s for 585,495 (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import resource
import sys
import time
from array import array
from dataclasses import dataclass

import rustworkx

from roulette.pairing import (
    PRIORITY_BONUS,
    Member,
    block_index,
    pair_members,
    pair_weight,
    shared_blocks,
    utc_quarters,
)

ZONES = {  # zone: relative share of members
    "America/Los_Angeles": 8,
    "America/Denver": 3,
    "America/Chicago": 5,
    "America/Mexico_City": 3,
    "America/New_York": 10,
    "America/St_Johns": 1,  # -3:30
    "America/Sao_Paulo": 5,  # southern hemisphere, no DST since 2019
    "Europe/London": 8,
    "Europe/Berlin": 10,
    "Europe/Helsinki": 3,
    "Africa/Lagos": 3,
    "Africa/Nairobi": 2,
    "Asia/Dubai": 2,
    "Asia/Kolkata": 8,  # +5:30
    "Asia/Kathmandu": 1,  # +5:45
    "Asia/Jakarta": 2,
    "Asia/Singapore": 4,
    "Asia/Tokyo": 4,
    "Australia/Sydney": 4,  # southern hemisphere DST
    "Pacific/Auckland": 2,
}
WEEKDAYS = range(5)


def habit_blocks(rng: random.Random) -> set[int]:
    """One habit in local time, e.g. "Tuesday and Thursday evenings 19-21"."""
    kind = rng.choices(
        ["evening", "lunch", "workday", "morning", "weekend"], [5, 3, 2, 1, 2]
    )[0]
    if kind == "weekend":
        days = rng.sample([5, 6], rng.randint(1, 2))
        start, hours = rng.randint(9, 17) * 2, rng.randint(2, 4)
    elif kind == "evening":
        days = rng.sample(WEEKDAYS, rng.randint(2, 5))
        start, hours = rng.randint(36, 41), rng.randint(1, 3)
    elif kind == "lunch":
        days = rng.sample(WEEKDAYS, rng.randint(2, 5))
        start, hours = rng.choice([24, 25]), 1
    elif kind == "morning":
        days = rng.sample(WEEKDAYS, rng.randint(2, 4))
        start, hours = rng.randint(14, 17), 1
    else:
        days = rng.sample(WEEKDAYS, rng.randint(1, 3))
        start, hours = rng.randint(18, 30), rng.randint(2, 4)
    first = {day: block_index(day=day, hour=0) + start for day in days}
    return {
        block
        for day in days
        for block in range(first[day], min(first[day] + hours * 2, (day + 1) * 48))
    }


@dataclass
class Instance:
    members: list[Member]
    recent: set[frozenset]
    blocked: set[frozenset]
    met_before: set[frozenset]


def sparse_blocks(rng: random.Random) -> set[int]:
    """One stretch of 30 minutes to 2 hours a week, local 07:00-24:00."""
    day = rng.randrange(7)
    first = block_index(day=day, hour=7) + rng.randrange(34)
    end = min(first + rng.randint(1, 4), block_index(day=day, hour=0) + 48)
    return set(range(first, end))


def generate(size: int, seed: int, availability: str = "habits") -> Instance:
    rng = random.Random(seed)
    zones = rng.choices(list(ZONES), list(ZONES.values()), k=size)
    members = []
    for key, tz in enumerate(zones):
        if availability == "sparse":
            blocks = sparse_blocks(rng)
        else:
            blocks = set()
            for _ in range(rng.choices([1, 2, 3], [4, 4, 2])[0]):
                blocks |= habit_blocks(rng)
        members.append(
            Member(
                key=key,
                tz=tz,
                available=frozenset(blocks),
                sat_out_last_time=rng.random() < 0.05,
            )
        )

    # Past weeks pair mostly people of the same zone, as the real pairing does,
    # so the repeat window actually removes likely partners.
    def past_week() -> list[frozenset]:
        keys = sorted(range(size), key=lambda k: (zones[k], rng.random()))
        return [frozenset(keys[i : i + 2]) for i in range(0, size - 1, 2)]

    recent = {pair for _ in range(12) for pair in past_week()}
    older = {pair for _ in range(20) for pair in past_week()}
    blocked = {
        frozenset((k, rng.randrange(size)))
        for k in rng.sample(range(size), size // 100)
    }
    blocked = {pair for pair in blocked if len(pair) == 2}
    return Instance(members, recent, blocked, recent | older)


def check_hard_rules(instance: Instance, result, *, iso_week: str) -> int:
    """Count violations: anyone missing or twice, or a group breaking a rule."""
    violations = 0
    by_key = {member.key: member for member in instance.members}
    seen = [key for group in result.groups for key in group.members]
    seen += [entry.key for entry in result.sat_out]
    if sorted(seen) != sorted(by_key):
        violations += 1
    for group in result.groups:
        people = [by_key[key] for key in group.members]
        pairs = [
            frozenset((a.key, b.key))
            for n, a in enumerate(people)
            for b in people[n + 1 :]
        ]
        if any(p in instance.recent or p in instance.blocked for p in pairs):
            violations += 1
        if not any(
            start <= group.start and group.end <= end
            for start, end in shared_blocks(people, iso_week=iso_week)
        ):
            violations += 1
    return violations


@dataclass
class Reference:
    eligible_pairs: int
    pairs_bound: int
    weight_bound: int
    exact_pairs: int | None = None
    exact_weight: int | None = None
    pairs_how: str = ""
    weight_how: str = ""
    seconds: float | None = None

    @property
    def pairs(self) -> int:
        return self.pairs_bound if self.exact_pairs is None else self.exact_pairs

    @property
    def weight(self) -> int:
        return self.weight_bound if self.exact_weight is None else self.exact_weight


def reference(
    instance: Instance, *, iso_week: str, edge_limit: int, pairs_edge_limit: int
) -> Reference:
    """Bounds and (if small enough) the exact optimum on the unpruned graph.

    The graph is built pair by pair from the public helpers, independently of
    the pairing's bit-set tricks, and must have as many edges as it reports.
    """
    members = instance.members
    size = len(members)
    quarters = []
    starts = []
    for member in members:
        mask = sum(1 << q for q in utc_quarters(member, iso_week=iso_week))
        quarters.append(mask)
        starts.append(mask & (mask >> 1))  # a 30-minute meeting: two quarters
    forbidden = instance.recent | instance.blocked
    priority = [PRIORITY_BONUS * m.sat_out_last_time for m in members]
    # Compact adjacency: 11.7 million pairs at 10,000 members would not fit
    # comfortably as lists of Python ints.
    neighbours = [array("H") for _ in range(size)]
    weights = [array("H") for _ in range(size)]
    for i in range(size):
        si, qi, ki = starts[i], quarters[i], members[i].key
        for j in range(i + 1, size):
            if not si & starts[j]:
                continue
            pair = frozenset((ki, members[j].key))
            if pair in forbidden:
                continue
            weight = pair_weight(
                sat_out_count=members[i].sat_out_last_time
                + members[j].sat_out_last_time,
                met_before=pair in instance.met_before,
                shared_quarters=(qi & quarters[j]).bit_count(),
            )
            neighbours[i].append(j)
            weights[i].append(weight)
            neighbours[j].append(i)
            weights[j].append(weight)
    count = sum(map(len, neighbours)) // 2
    ref = Reference(
        eligible_pairs=count,
        pairs_bound=_pairs_bound(neighbours),
        weight_bound=_weight_bound(neighbours, weights, priority),
        pairs_how="<= components bound",
        weight_how="<= LP dual bound",
    )

    def solve(unit: bool) -> tuple[int, int]:
        graph = rustworkx.PyGraph(multigraph=False)
        graph.add_nodes_from(range(size))
        graph.add_edges_from(
            [
                (i, j, 1 if unit else w)
                for i in range(size)
                for j, w in zip(neighbours[i], weights[i], strict=True)
                if i < j
            ]
        )
        started = time.perf_counter()
        matching = rustworkx.max_weight_matching(
            graph, max_cardinality=True, weight_fn=int
        )
        ref.seconds = time.perf_counter() - started
        return len(matching), sum(graph.get_edge_data(a, b) for a, b in matching)

    if count <= edge_limit:
        ref.exact_pairs, ref.exact_weight = solve(unit=False)
        ref.pairs_how = ref.weight_how = "exact, rustworkx on all pairs"
    elif count <= pairs_edge_limit:
        ref.exact_pairs, _ = solve(unit=True)
        ref.pairs_how = "exact, rustworkx unit weights on all pairs"
    return ref


def _pairs_bound(neighbours: list[array]) -> int:
    """Sum of floor(size / 2) over connected components: no matching has more."""
    seen = [False] * len(neighbours)
    bound = 0
    for first in range(len(neighbours)):
        if seen[first]:
            continue
        seen[first] = True
        stack, size = [first], 0
        while stack:
            i = stack.pop()
            size += 1
            for j in neighbours[i]:
                if not seen[j]:
                    seen[j] = True
                    stack.append(j)
        bound += size // 2
    return bound


def _weight_bound(
    neighbours: list[array], weights: list[array], priority: list[int]
) -> int:
    """An upper bound on any matching's weight, from the LP relaxation's dual.

    Any prices y >= 0 with y[i] + y[j] >= w(i, j) on every pair bound every
    matching by sum(y). Start from "own priority plus half the best own part
    of a pair" (feasible, since a pair's weight is both priorities plus its own
    part), then lower each price to the least that keeps its pairs covered,
    until nothing changes. Prices are kept doubled to stay integers.
    """
    doubled = []
    for i, (js, ws) in enumerate(zip(neighbours, weights, strict=True)):
        own = max(
            (w - priority[i] - priority[j] for j, w in zip(js, ws, strict=True)),
            default=0,
        )
        doubled.append(2 * priority[i] + own if js else 0)
    changed = True
    while changed:
        changed = False
        for i, (js, ws) in enumerate(zip(neighbours, weights, strict=True)):
            lowest = max(
                (2 * w - doubled[j] for j, w in zip(js, ws, strict=True)), default=0
            )
            lowest = max(lowest, 0)
            if lowest < doubled[i]:
                doubled[i] = lowest
                changed = True
    return sum(doubled) // 2


def run_one(size: int, args: argparse.Namespace) -> dict:
    instance = generate(size, args.seed, args.availability)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    wall, cpu = time.perf_counter(), time.process_time()
    result = pair_members(
        instance.members,
        iso_week=args.week,
        recent_pairs=instance.recent,
        blocked=instance.blocked,
        met_before=instance.met_before,
        seed=args.seed,
    )
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "wall": wall,
        "cpu": cpu,
        "rss_before": rss_before / 1024,
        "rss_peak": rss_peak / 1024,
        "pairs": len(result.groups),  # every group holds one matched pair
        "trios": sum(len(group.members) == 3 for group in result.groups),
        "sat_out": len(result.sat_out),
        "weight": result.total_weight,
        "stats": result.stats,
        "violations": check_hard_rules(instance, result, iso_week=args.week),
        "ref": reference(
            instance,
            iso_week=args.week,
            edge_limit=args.reference_edge_limit,
            pairs_edge_limit=args.pairs_reference_edge_limit,
        ),
    }


def _child(size: int, args: argparse.Namespace, queue) -> None:
    queue.put(run_one(size, args))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,2000,5000,10000")
    parser.add_argument("--seed", type=int, default=1)
    # 2026-W11: the US is on summer time, Europe not yet.
    parser.add_argument("--week", default="2026-W11")
    parser.add_argument(
        "--availability", choices=["habits", "sparse"], default="habits"
    )
    parser.add_argument("--reference-edge-limit", type=int, default=500_000)
    parser.add_argument("--pairs-reference-edge-limit", type=int, default=1_000_000)
    args = parser.parse_args(argv)

    with open("/proc/loadavg") as loadavg:
        load = " ".join(loadavg.read().split()[:3])
    print(
        f"python {sys.version.split()[0]}, week {args.week}, seed {args.seed}, "
        f"{args.availability} availability, {os.cpu_count()} cores, "
        f"load average {load} (/proc/loadavg at the start)"
    )
    print(
        "| members | eligible pairs | kept pairs | wall s | CPU s | peak RSS MiB "
        "| pairs | reference pairs | pairs % | trios | sat out | weight "
        "| reference weight | weight % | violations |"
    )
    print("|---:" * 15 + "|")
    context = multiprocessing.get_context("fork")
    for size in (int(text) for text in args.sizes.split(",")):
        queue = context.Queue()
        child = context.Process(target=_child, args=(size, args, queue))
        child.start()
        row = queue.get()
        child.join()
        ref: Reference = row["ref"]
        stats = row["stats"]
        assert stats.eligible_pairs == ref.eligible_pairs, "eligible graphs differ"
        bound = "" if ref.exact_pairs is not None else "<= "
        weight_bound = "" if ref.exact_weight is not None else "<= "
        print(
            f"| {size:,} | {ref.eligible_pairs:,} | {stats.candidate_pairs:,} "
            f"| {row['wall']:.1f} | {row['cpu']:.1f} | {row['rss_peak']:.0f} "
            f"| {row['pairs']:,} | {bound}{ref.pairs:,} "
            f"| {100 * row['pairs'] / max(ref.pairs, 1):.2f} "
            f"| {row['trios']} | {row['sat_out']} "
            f"| {row['weight']:,} | {weight_bound}{ref.weight:,} "
            f"| {100 * row['weight'] / max(ref.weight, 1):.2f} "
            f"| {row['violations']} |",
            flush=True,
        )
        pairs_how = ref.pairs_how
        if ref.exact_pairs is None and row["pairs"] == ref.pairs_bound:
            pairs_how += ", reached: no matching has more"
        notes = [
            f"reference pairs: {pairs_how}",
            f"reference weight: {ref.weight_how}",
            f"components bound {ref.pairs_bound:,}",
            f"LP weight bound {ref.weight_bound:,}",
            f"augmenting paths {stats.augmenting_paths}",
            f"RSS before pairing {row['rss_before']:.0f} MiB",
        ]
        if ref.seconds is not None:
            notes.append(f"exact reference took {ref.seconds:.1f} s")
        print("  " + "; ".join(notes), flush=True)


if __name__ == "__main__":
    main()
