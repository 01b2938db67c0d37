"""Benchmark of the unconference scheduler against references it does not share.

Run from the repository root::

    python bench/unconference.py                      # the table
    python bench/unconference.py --only L-real        # one instance
    python bench/unconference.py --steps-share 0.25   # a quarter of the steps
    python bench/unconference.py --prove M-real --time-limit 600
    python bench/unconference.py --independent L-real --ils-seconds 600

References (``bench/unconference_reference.py``, no code shared with the
scheduler), stored with the instance in
``bench/data/unconference/references.json`` together with the command that
produced them, so the table never re-solves:

* ``*-real`` up to the largest size HiGHS proves in 10 minutes: the exact
  optimum of an integer program of the same objective and hard rules
  (``--prove``; HiGHS 1.15.1, ``highspy`` is dev-only).
* larger ``*-real``: the best timetable of independent methods (a greedy
  start plus pairwise-swap descent with random kicks, ``--independent``,
  and HiGHS's own best timetable within its limit), stated as such; HiGHS's
  dual bound is printed beside it when it is an upper bound below the
  personal one.
* ``*-planted``: the generator hides a timetable in which every attendee
  gets every session they rated, so the optimum equals the trivial bound.

The solver's search is a number of steps (``step_budget`` for the
instance's seconds, or ``--steps``/``--steps-share``), so a run with the same
seed repeats exactly unless the time limit cut it (column ``cap``).

Each instance is generated and solved in a fresh process so the reported
peak memory (max RSS, including the interpreter and numpy) is its own.
This is not a test: timings depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import re
import resource
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import unconference_reference as reference  # noqa: E402
from unconference.scheduler import (  # noqa: E402
    Problem,
    Room,
    solve,
    step_budget,
    validate,
)

DATA = ROOT / "bench" / "data" / "unconference" / "references.json"

# name: generator, sizes (attendees, sessions, slots, rooms), seed, seconds
INSTANCES = {
    "XS": ("realistic", (40, 12, 4, 3), 101, 1.0),
    "M16-real": ("realistic", (60, 16, 4, 4), 607, 5.0),
    "M20-real": ("realistic", (70, 20, 5, 4), 616, 5.0),
    "M24-real": ("realistic", (80, 24, 6, 4), 707, 5.0),
    "S-planted": ("planted", (200, 60, 12, 5), 202, 5.0),
    "L-planted": ("planted", (2000, 300, 30, 10), 303, 30.0),
    "S-real": ("realistic", (200, 60, 12, 5), 404, 5.0),
    "L-real": ("realistic", (2000, 300, 30, 10), 505, 30.0),
}


def _rooms(rng: np.random.Generator, n_rooms: int, people: int) -> list[Room]:
    """Heavy-tailed capacities: a plenary hall, a few mid rooms, small ones.

    The hall seats 45% of the attendees (the opening and the superstar
    sessions draw about that many); the other rooms share another 85% of
    the attendee count with Pareto-distributed sizes, at least 8 seats.
    """
    raw = np.sort(rng.pareto(1.3, max(n_rooms - 1, 0)) + 1.0)[::-1]
    caps = np.maximum(8, np.round(raw / raw.sum() * people * 0.85)).astype(int)
    caps = [round(0.45 * people), *caps.tolist()]
    return [Room(key=f"room-{i}", capacity=int(c)) for i, c in enumerate(caps)]


def _tastes(rng: np.random.Generator, n_att: int, n_sess: int):
    """Topics, skewed popularity and per-attendee topic preferences."""
    n_topics = max(3, n_sess // 12)
    topic = rng.integers(n_topics, size=n_sess)
    popularity = rng.lognormal(0.0, 0.9, n_sess)
    prefs = rng.dirichlet(np.full(n_topics, 0.4), size=n_att)
    return topic, popularity, prefs


def _level(rng: np.random.Generator, affinity: float) -> int:
    """Map how well a session fits someone to 1 ("a little"), 3 or 4."""
    u = rng.random() * (0.6 + affinity)
    return 4 if u > 0.9 else 3 if u > 0.45 else 1


def planted(n_att: int, n_sess: int, n_slots: int, n_rooms: int, seed: int):
    """Instance whose optimum equals the trivial upper bound.

    A hidden timetable is drawn first; each attendee then rates at most one
    session per hidden slot, so the hidden timetable gives everyone all
    they rated. Proposers (at most one session per hidden slot each),
    allowed-slot restrictions and pins all agree with the hidden timetable,
    so it stays feasible.
    """
    rng = np.random.default_rng(seed)
    order = rng.permutation(n_sess)
    hidden = np.empty(n_sess, dtype=int)
    hidden[order] = np.arange(n_sess) // n_rooms % n_slots
    by_slot = [np.flatnonzero(hidden == t) for t in range(n_slots)]
    topic, popularity, prefs = _tastes(rng, n_att, n_sess)
    interest: dict[str, dict[int, int]] = {}
    for a in range(n_att):
        keen = rng.uniform(0.15, 0.8)
        ratings = {}
        for t in range(n_slots):
            if rng.random() < keen and len(by_slot[t]):
                cand = by_slot[t]
                w = popularity[cand] * (prefs[a, topic[cand]] + 0.02)
                s = int(rng.choice(cand, p=w / w.sum()))
                ratings[s] = _level(rng, prefs[a, topic[s]] * len(prefs[a]))
        interest[f"a{a}"] = ratings
    proposers = {}
    busy: set[tuple[int, int]] = set()
    for s in range(n_sess):
        while True:
            p = int(rng.integers(n_att))
            if (p, hidden[s]) not in busy:
                break
        busy.add((p, hidden[s]))
        # The proposer counts as "very" for their own session, which takes
        # their one rating in that hidden slot.
        ratings = interest[f"a{p}"]
        for other in [x for x in ratings if hidden[x] == hidden[s]]:
            del ratings[other]
        proposers[s] = frozenset({f"a{p}"})
    allowed = {}
    for s in rng.choice(n_sess, size=n_sess // 10, replace=False):
        extra = rng.choice(n_slots, size=max(1, n_slots // 2), replace=False)
        allowed[int(s)] = frozenset({int(hidden[s]), *map(int, extra)})
    rooms = _rooms(rng, n_rooms, n_att)
    pinned = rng.choice(n_sess, size=2, replace=False)
    # Room pins need distinct rooms within a slot: pin one to its slot and
    # the other to its slot and the biggest room.
    pins = {
        int(pinned[0]): (int(hidden[pinned[0]]), None),
        int(pinned[1]): (int(hidden[pinned[1]]), rooms[0].key),
    }
    return Problem(
        slots=list(range(n_slots)),
        rooms=rooms,
        sessions=list(range(n_sess)),
        interest=interest,
        proposers=proposers,
        allowed_slots=allowed,
        pins=pins,
    )


def realistic(n_att: int, n_sess: int, n_slots: int, n_rooms: int, seed: int):
    """Topic-based tastes, skewed popularity, proposers, some constraints."""
    rng = np.random.default_rng(seed)
    topic, popularity, prefs = _tastes(rng, n_att, n_sess)
    interest: dict[str, dict[int, int]] = {}
    for a in range(n_att):
        # Most people rate about as many sessions as there are slots; a
        # few enthusiasts rate far more, some only a handful.
        n = int(np.clip(rng.lognormal(np.log(1.2 * n_slots), 0.6), 2, n_sess))
        w = popularity * (prefs[a, topic] + 0.02)
        chosen = rng.choice(n_sess, size=n, replace=False, p=w / w.sum())
        interest[f"a{a}"] = {
            int(s): _level(rng, prefs[a, topic[s]] * prefs.shape[1]) for s in chosen
        }
    # About 80% of proposers bring one session, the rest two or three; a
    # tenth of sessions have a co-proposer.
    people = rng.choice(n_att, size=n_sess, replace=True)
    repeat = rng.random(n_sess) < 0.2
    for s in range(1, n_sess):
        if repeat[s]:
            people[s] = people[rng.integers(s)]
    proposers = {}
    for s in range(n_sess):
        group = {f"a{people[s]}"}
        if rng.random() < 0.1:
            group.add(f"a{rng.integers(n_att)}")
        proposers[s] = frozenset(group)
    allowed = {}
    for s in rng.choice(n_sess, size=n_sess // 10, replace=False):
        # "I can only make the first (or second) half of the day."
        half = n_slots // 2 or 1
        start = 0 if rng.random() < 0.5 else n_slots - half
        allowed[int(s)] = frozenset(range(start, start + half))
    rooms = _rooms(rng, n_rooms, n_att)
    opening = int(np.argmax(popularity))
    allowed.pop(opening, None)
    pins = {opening: (0, rooms[0].key)}
    return Problem(
        slots=list(range(n_slots)),
        rooms=rooms,
        sessions=list(range(n_sess)),
        interest=interest,
        proposers=proposers,
        allowed_slots=allowed,
        pins=pins,
    )


def build(name: str) -> Problem:
    kind, sizes, seed, _seconds = INSTANCES[name]
    return (planted if kind == "planted" else realistic)(*sizes, seed)


def proposer_conflicts(problem: Problem, assignment: dict) -> int:
    seen = Counter(
        (p, assignment[s][0])
        for s, people in problem.proposers.items()
        if s in assignment
        for p in people
    )
    return sum(n - 1 for n in seen.values() if n > 1)


def _peak_mb() -> float:
    """Peak resident memory of this process in MB.

    VmHWM belongs to the process image, so it starts afresh in a spawned
    child; ru_maxrss would also count the parent's memory at fork time.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run(name: str, seconds: float, seed: int, steps: int | None, queue) -> None:
    problem = build(name)
    greedy = solve(problem, seconds=seconds, seed=seed, max_iterations=0)
    cpu = time.process_time()
    result = solve(problem, seconds=seconds, seed=seed, max_iterations=steps)
    cpu = time.process_time() - cpu
    queue.put(
        {
            "utility": result.utility,
            "greedy": greedy.utility,
            "bound": result.upper_bound,
            "overflow": result.overflow,
            "attendance": result.score.attendance,
            "conflicts": proposer_conflicts(problem, result.assignment),
            "violations": len(validate(problem, result.assignment)),
            "unplaced": len(result.unplaced),
            "runtime": result.runtime,
            "cpu": cpu,
            "time_to_best": result.time_to_best,
            "iterations": result.iterations,
            "budget": result.step_budget,
            "capped": result.capped,
            "peak_mb": _peak_mb(),
        }
    )


def run_isolated(
    name: str, seconds: float, seed: int = 0, steps: int | None = None
) -> dict:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_run, args=(name, seconds, seed, steps, queue))
    proc.start()
    out = queue.get()
    proc.join()
    return out


def load_refs() -> dict:
    return json.loads(DATA.read_text()) if DATA.exists() else {}


def save_refs(refs: dict) -> None:
    """Write the references, each stored timetable (a list of slots) on one line."""
    text = json.dumps(refs, indent=2, sort_keys=True)
    text = re.sub(
        r"\[\s*(-?\d+(?:,\s*-?\d+)*)\s*\]",
        lambda m: "[" + ", ".join(v.strip() for v in m.group(1).split(",")) + "]",
        text,
    )
    DATA.write_text(text + "\n")


def _entry(refs: dict, name: str) -> dict:
    kind, sizes, seed, _ = INSTANCES[name]
    entry = refs.setdefault(name, {})
    entry.update(generator=kind, sizes=list(sizes), generator_seed=seed)
    return entry


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def prove(names: list[str], time_limit: float) -> None:
    """HiGHS on each instance, started from the independent local search's
    best timetable when one is stored; stores an optimum when proven,
    otherwise HiGHS's best timetable and dual bound."""
    import highspy

    refs = load_refs()
    for name in names:
        entry = _entry(refs, name)
        problem = build(name)
        start = None
        ind = entry.get("independent")
        if ind and "slots" in ind:
            start = np.array(ind["slots"], dtype=np.int64)
        load_before = _loadavg()
        got = reference.milp(problem, time_limit=time_limit, start=start)
        entry["milp"] = {
            "status": got.status,
            "value": got.value,
            "dual_bound": round(got.dual_bound, 3),
            "seconds": round(got.seconds, 1),
            "nodes": got.nodes,
            "time_limit": time_limit,
            "started_from_independent": start is not None,
            "highs": highspy.Highs().version(),
            "loadavg_before": load_before,
            "loadavg_after": _loadavg(),
            "command": f"python bench/unconference.py --prove {name} "
            f"--time-limit {time_limit:g}",
            "date": time.strftime("%Y-%m-%d"),
        }
        if got.slot_of is not None:
            entry["milp"]["slots"] = got.slot_of.tolist()
        print(
            f"{name}: HiGHS {got.status}, value {got.value}, dual bound "
            f"{got.dual_bound:.1f}, {got.seconds:.1f} s, {got.nodes} nodes"
        )
        save_refs(refs)


def independent(names: list[str], seconds: float, seed: int) -> None:
    """The bench's own greedy + swap local search; keeps the best ever found."""
    refs = load_refs()
    for name in names:
        entry = _entry(refs, name)
        problem = build(name)
        value, slots, stats = reference.local_search(
            problem, seconds=seconds, seed=seed
        )
        old = entry.get("independent", {})
        print(
            f"{name}: local search {value} (greedy {stats['greedy']}, "
            f"{stats['descents']} descents, {stats['swaps']} swaps; "
            f"stored {old.get('value')})"
        )
        if value > old.get("value", -1):
            entry["independent"] = {
                "value": value,
                "slots": slots.tolist(),
                "greedy": stats["greedy"],
                "method": "greedy + best-improvement pairwise swaps, random "
                f"{3}-swap kicks, {seconds:g} s",
                "command": f"python bench/unconference.py --independent {name} "
                f"--ils-seconds {seconds:g} --ils-seed {seed}",
                "loadavg": _loadavg(),
                "date": time.strftime("%Y-%m-%d"),
            }
        save_refs(refs)


def reference_of(name: str, entry: dict, bound: int) -> tuple[int, str, str]:
    """(value, short label, sentence) of the reference for one instance."""
    kind = INSTANCES[name][0]
    if kind == "planted":
        return bound, "bound", "optimum = trivial bound (planted timetable)"
    milp = entry.get("milp", {})
    if milp.get("status") == "Optimal":
        return (
            milp["value"],
            "optimum",
            f"optimum proven by HiGHS {milp['highs']} in {milp['seconds']:.0f} s "
            f"({milp['command']})",
        )
    values = []
    ind = entry.get("independent")
    if ind:
        values.append((ind["value"], f"local search ({ind['command']})"))
    if milp.get("value") is not None:
        values.append(
            (
                milp["value"],
                f"HiGHS's best in {milp['time_limit']:.0f} s, not proven "
                f"({milp['command']})",
            )
        )
    if not values:
        return bound, "bound", "trivial upper bound (no reference stored)"
    value, how = max(values)
    note = f"best independent value: {how}"
    dual = milp.get("dual_bound")
    if dual is not None and dual < bound:
        note += (
            f"; upper bound {dual:.0f} (HiGHS dual bound; the personal bound is "
            f"{bound})"
        )
    elif dual is not None:
        note += f"; HiGHS found no upper bound below the personal bound ({bound})"
    return value, "best indep.", note


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="*", choices=list(INSTANCES))
    parser.add_argument("--seed", type=int, default=0, help="solver seed")
    parser.add_argument("--steps", type=int, help="fixed step budget for all")
    parser.add_argument(
        "--steps-share",
        type=float,
        help="step budget: this share of the default (5 s) budget of each instance",
    )
    parser.add_argument("--prove", nargs="*", choices=list(INSTANCES))
    parser.add_argument("--time-limit", type=float, default=600.0)
    parser.add_argument("--independent", nargs="*", choices=list(INSTANCES))
    parser.add_argument("--ils-seconds", type=float, default=600.0)
    parser.add_argument("--ils-seed", type=int, default=1)
    args = parser.parse_args()
    if args.independent:
        independent(args.independent, args.ils_seconds, args.ils_seed)
        return
    if args.prove:
        prove(args.prove, args.time_limit)
        return
    names = args.only or list(INSTANCES)
    refs = load_refs()
    header = (
        f"{'instance':<10} {'A/S/TxR':>15} {'utility':>8} {'greedy':>8} "
        f"{'reference':>9} {'ratio':>7} {'kind':>11} {'overfl%':>7} {'confl':>5} "
        f"{'viol':>4} {'left':>4} {'time s':>6} {'cpu s':>6} {'best@s':>6} "
        f"{'steps':>6} "
        f"{'budget':>6} {'cap':>3} {'peak MB':>7}"
    )
    print(time.strftime("run at %Y-%m-%d %H:%M"), f"load average {_loadavg()}")
    print(header)
    print("-" * len(header))
    notes = []
    for name in names:
        kind, sizes, _seed, seconds = INSTANCES[name]
        problem = build(name)
        entry = refs.get(name, {})
        steps = args.steps
        if args.steps_share is not None:
            steps = round(args.steps_share * step_budget(problem, 5.0))
        r = run_isolated(name, seconds, seed=args.seed, steps=steps)
        ref, label, note = reference_of(name, entry, r["bound"])
        notes.append(f"  {name}: {ref} = {note}")
        ratio = r["utility"] / ref
        over = 100 * r["overflow"] / max(r["attendance"], 1e-9)
        dims = "{}/{}/{}x{}".format(*sizes)
        print(
            f"{name:<10} {dims:>15} {r['utility']:>8} {r['greedy']:>8} {ref:>9} "
            f"{ratio:>7.2%} {label:>11} {over:>7.2f} {r['conflicts']:>5} "
            f"{r['violations']:>4} {r['unplaced']:>4} {r['runtime']:>6.2f} "
            f"{r['cpu']:>6.2f} {r['time_to_best']:>6.2f} {r['iterations']:>6} "
            f"{r['budget']:>6} "
            f"{'yes' if r['capped'] else 'no':>3} {r['peak_mb']:>7.0f}"
        )
        if ratio > 1:
            notes.append(f"  {name}: above its reference ({label})")
    print("\nreferences:")
    print("\n".join(notes))
    print(
        "greedy = the solver's greedy start (solve with 0 steps); steps/budget ="
        " annealing steps done/planned; cap = stopped by the time limit; time s"
        " = solve() wall time, cpu s its CPU time; best@s = wall time when the"
        f" returned utility was first reached; {multiprocessing.cpu_count()} CPUs."
    )
    print(time.strftime("done at %Y-%m-%d %H:%M"), f"load average {_loadavg()}")


if __name__ == "__main__":
    main()
