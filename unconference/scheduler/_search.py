"""Search procedures for the scheduler (private: use unconference.scheduler).

The pipeline is: place pinned sessions, keep the previous timetable where
it is still valid, place the rest greedily, repair placements with
augmenting paths, anneal, and finally polish room overflow without losing
utility. All randomness comes from one seeded generator and the annealing
schedule counts steps, not seconds, so a given seed and step budget always
walk the same trajectory to the same end; the time limit is only a safety
cap that may cut the walk short.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

import numpy as np

from ._model import Compiled, State, assign_rooms, slot_attendance


def empty_state(comp: Compiled) -> State:
    return State(comp, np.full(comp.S, comp.T, dtype=np.int64))


def _fits(state: State, s: int) -> np.ndarray:
    """Slots (not the virtual one) with a free cell that ``s`` may enter."""
    comp = state.comp
    T = comp.T
    return (
        (state.count[:T] < comp.R) & comp.allow[s, :T] & (state.conflicts[s, :T] == 0)
    )


def place_pins(state: State) -> None:
    comp = state.comp
    for s in np.flatnonzero(comp.pin_slot >= 0):
        state.move(int(s), int(comp.pin_slot[s]))


def place_previous(state: State, prev_slot: np.ndarray) -> None:
    """Put sessions back where they were, as long as that is still valid."""
    comp = state.comp
    for s in range(comp.S):
        t = int(prev_slot[s])
        if t < 0 or state.slot_of[s] != comp.T or not comp.movable[s]:
            continue
        if _fits(state, s)[t]:
            state.move(s, t)


def place_greedy(state: State, rng: np.random.Generator | None = None) -> None:
    """Place every unplaced session, most valuable first.

    Each session goes to the allowed slot where it adds the most utility
    given what is already placed; ties go to the emptier slot so that later
    sessions keep room to manoeuvre. With ``rng`` the order and the slots
    are random instead (used for random timetables).
    """
    comp = state.comp
    T = comp.T
    todo = [s for s in range(comp.S) if state.slot_of[s] == T]
    if rng is None:
        todo.sort(key=lambda s: (-comp.value[s], s))
    else:
        todo = [todo[i] for i in rng.permutation(len(todo))]
    for s in todo:
        ok = _fits(state, s)
        if not ok.any():
            continue
        if rng is None:
            key = np.where(ok, state.gain[s, :T] * (comp.R + 1) - state.count[:T], -1)
            key = np.where(ok, key, key.min() - 1)
            t = int(np.argmax(key))
        else:
            choices = np.flatnonzero(ok)
            t = int(choices[rng.integers(len(choices))])
        state.move(s, t)


def repair(state: State) -> None:
    """Place left-out sessions by shifting others along augmenting paths.

    A session that fits nowhere directly may still fit if a session in a
    full slot moves to a slot with a free cell (possibly through several
    hops). Breadth-first search over slots finds such chains. Conflict
    checks are conservative (a session leaving a slot is still counted),
    so every chain found is valid.
    """
    comp = state.comp
    T, R = comp.T, comp.R
    unplaced = [s for s in range(comp.S) if state.slot_of[s] == T]
    unplaced.sort(key=lambda s: (-comp.value[s], s))
    for u in unplaced:
        if int(state.count[:T].sum()) >= T * R:
            return
        chain = _augmenting_path(state, u)
        for s, t in reversed(chain):
            state.move(s, t)


def _augmenting_path(state: State, u: int) -> list[tuple[int, int]]:
    comp = state.comp
    T, R = comp.T, comp.R
    parent: dict[int, tuple[int, int]] = {}
    queue: deque[int] = deque()
    for t in range(T):
        if comp.allow[u, t] and state.conflicts[u, t] == 0:
            parent[t] = (u, -1)
            queue.append(t)
    while queue:
        t = queue.popleft()
        if state.count[t] < R:
            chain = []
            while t != -1:
                s, prev = parent[t]
                chain.append((s, t))
                t = prev
            return chain[::-1]
        for x in state.members[t]:
            if not comp.movable[x]:
                continue
            for t2 in range(T):
                if (
                    t2 not in parent
                    and comp.allow[x, t2]
                    and state.conflicts[x, t2] == 0
                ):
                    parent[t2] = (x, t)
                    queue.append(t2)
    return []


def _delta_scale(state: State, movable: np.ndarray, rng: np.random.Generator) -> float:
    """Typical size of a step's utility change, to set temperatures.

    Deltas grow with the number of raters per session and with the weight
    scale, so fixed temperatures would be too hot for small events and too
    cold for large ones. The median |delta| over the candidate steps of a
    few sampled sessions is a robust yardstick.
    """
    sample = rng.choice(movable, size=min(40, len(movable)), replace=False)
    medians = []
    for s1 in sample:
        sd, sok, md, mok = state.deltas(int(s1))
        values = np.concatenate((sd[sok], md[mok]))
        if len(values):
            medians.append(float(np.median(np.abs(values))))
    scale = float(np.median(medians)) if medians else 0.0
    return scale if scale > 0 else 1.0


def _without(items: list[int], item: int) -> list[int]:
    return [x for x in items if x != item]


def slot_exchange(
    state: State, ta: int, tb: int, prev_slot: np.ndarray, change_penalty: int
) -> tuple[int, list[int], list[int]]:
    """Price exchanging the contents of slots ``ta`` and ``tb``.

    Utility does not care which slot a group of sessions sits in, but
    allowed slots and pins do: a good grouping can end up in the wrong slot
    for one restricted session, and moving the whole group one session at
    a time loses utility at every step. This move carries every session
    that may go across; the others stay. Returns the objective change and
    the movers from each side, or ``(None-like)`` minimum when infeasible.
    """
    comp = state.comp
    W = comp.W
    a = state.members[ta]
    b = state.members[tb]
    go_a = [s for s in a if comp.movable[s] and comp.allow[s, tb]]
    go_b = [s for s in b if comp.movable[s] and comp.allow[s, ta]]
    impossible: tuple[int, list[int], list[int]] = (
        np.iinfo(np.int64).min // 4,
        [],
        [],
    )
    if not (go_a or go_b):
        return impossible

    def util(group: list[int]) -> int:
        return int(W[:, group].max(axis=1).sum(dtype=np.int64)) if group else 0

    def split(ga: list[int], gb: list[int]) -> tuple[list[int], list[int]]:
        return [s for s in a if s not in ga] + gb, [s for s in b if s not in gb] + ga

    def total(ga: list[int], gb: list[int]) -> int:
        na, nb = split(ga, gb)
        return util(na) + util(nb)

    # Sessions that stay can leave one side over-full; then hold back the
    # movers whose staying costs least, one at a time.
    while True:
        new_a, new_b = split(go_a, go_b)
        if len(new_a) > comp.R:
            keep = max(go_b, key=lambda c: total(go_a, _without(go_b, c)))
            go_b.remove(keep)
        elif len(new_b) > comp.R:
            keep = max(go_a, key=lambda c: total(_without(go_a, c), go_b))
            go_a.remove(keep)
        else:
            break
    if not (go_a or go_b):
        return impossible
    for group in (new_a, new_b):
        if comp.share[np.ix_(group, group)].any():
            return impossible
    delta = util(new_a) + util(new_b) - util(a) - util(b)
    if change_penalty:
        for s, old, new in [(s, ta, tb) for s in go_a] + [(s, tb, ta) for s in go_b]:
            p = prev_slot[s]
            if p >= 0:
                delta -= change_penalty * (int(new != p) - int(old != p))
    return delta, go_a, go_b


@dataclass
class SearchStats:
    """What the annealing did: steps planned and done, and why it stopped."""

    budget: int = 0
    iterations: int = 0
    time_to_best: float = 0.0
    #: The time cap stopped the search before its step budget.
    capped: bool = False


#: Steps in the first annealing cycle, per session the search can move; each
#: later cycle is twice as long, and the last one takes what is left of the
#: budget (see :func:`plan_cycles`).
FIRST_CYCLE_PER_SESSION = 2
#: The first cycle starts this much cooler than the others: it is short, and
#: a hot start would leave it no time to come back below the greedy start.
FIRST_CYCLE_COOLER = 0.25
#: Start and end temperatures as fractions of the typical |delta|.
HOT, COLD = 0.12, 0.01
#: Chance per step of trying a slot exchange, times the number of rooms (an
#: exchange moves up to 2 x rooms sessions, so bigger slots try it less).
SLOT_EXCHANGE_RATE = 0.25


def plan_cycles(budget: int, movers: int) -> list[int]:
    """Lengths in steps of the annealing cycles of a budget of ``budget`` steps.

    The first cycle is short (``FIRST_CYCLE_PER_SESSION`` steps per session
    that can move), so that even a small budget, or a search cut short by
    the time cap, ends below its first cooling; each later cycle is twice
    as long as the one before, and the last takes the remainder, so the
    lengths add up to the budget exactly.
    """
    first = max(1, FIRST_CYCLE_PER_SESSION * movers)
    lengths: list[int] = []
    left = budget
    n = first
    while left > 0:
        take = min(n, left)
        lengths.append(take)
        left -= take
        n *= 2
        if 0 < left < n:  # too little for another cycle: extend the last
            lengths[-1] += left
            left = 0
    return lengths


def active_sessions(comp: Compiled) -> np.ndarray:
    """Sessions the search may move: not pinned and allowed in some slot."""
    if comp.T == 0 or comp.R == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(comp.movable & comp.allow[:, : comp.T].any(axis=1))


def ratings_per_step(comp: Compiled) -> float:
    """Ratings a step visits on average: those of the moved session's raters.

    Summed over sessions, the raters' rating counts give sum(n_a ** 2) over
    attendees ``a`` who made ``n_a`` ratings.
    """
    if comp.S == 0:
        return 0.0
    made = np.diff(comp.ptr).astype(np.float64)
    return float((made**2).sum() / comp.S)


def anneal(
    state: State,
    *,
    rng: np.random.Generator,
    budget: int,
    deadline: float,
    prev_slot: np.ndarray,
    change_penalty: int,
    started: float,
) -> tuple[np.ndarray, SearchStats]:
    """Simulated annealing with heat-bath steps and slot exchanges.

    A step picks a movable session, favouring those whose raters it fails
    to serve (``State.missed``), prices all its swaps and moves at once
    (:meth:`State.deltas`) and samples one of them, or staying put, with
    probability proportional to ``exp(delta / temperature)``. Occasionally
    a step instead exchanges the contents of two slots
    (:func:`slot_exchange`), accepted by the Metropolis rule.

    The ``budget`` steps are split into cycles (:func:`plan_cycles`); each
    cools geometrically from hot to cold and starts again from the best
    timetable so far. Everything counts steps, so a seed and a budget always
    walk the same trajectory to the same end. ``deadline`` (on
    ``time.thread_time()``, the CPU time of this thread, so other processes
    on a busy machine do not bring it closer) is only a safety cap;
    ``stats.capped`` says when it cut the walk short.
    The walk ends early, without using its budget, when no session can
    move or nothing can improve any more: every attendee gets their
    personal bound, every session (or every cell) is used and no session
    left its previous slot.

    The objective is lexicographic in effect: placing a session is worth
    more than all utility together, and each session moved away from its
    previous slot costs ``change_penalty``. Returns the best ``slot_of``.
    """
    comp = state.comp
    T = comp.T
    stats = SearchStats(budget=budget, time_to_best=time.perf_counter() - started)
    movable = active_sessions(comp)
    bonus = comp.bound + 1
    has_prev = prev_slot >= 0
    use_prev = bool(change_penalty and has_prev.any())
    penalty = change_penalty if use_prev else 0

    def objective(st: State) -> int:
        changes = int((has_prev & (st.slot_of != prev_slot)).sum())
        return st.utility + bonus * st.placed - penalty * changes

    best = state.slot_of.copy()
    best_obj = current = objective(state)
    # Nothing beats every attendee's personal bound with every cell (or
    # session) placed and nobody moved from the previous timetable.
    ceiling = comp.bound + bonus * min(comp.S, comp.T * comp.R)
    if len(movable) == 0 or best_obj >= ceiling:
        return best, stats

    scale = _delta_scale(state, movable, rng)
    # Below about one typical vote the search cannot trade even a single
    # attendee's interest for a better arrangement; small events need that.
    vote = float(comp.rated_w.mean()) if comp.rated_w.size else 1.0
    t_hi = max(HOT * scale, vote)
    t_lo = min(COLD * scale, t_hi / 10)
    cycles = plan_cycles(budget, len(movable))
    p_exchange = SLOT_EXCHANGE_RATE / max(comp.R, 1) if T >= 2 else 0.0
    slots_t = np.arange(T + 1)
    step = 0
    for number, length in enumerate(cycles):
        if number:
            if current < best_obj:
                state = State(comp, best)
                current = best_obj
            temp = t_hi
        else:
            temp = max(t_hi * FIRST_CYCLE_COOLER, t_lo)
        cooling = (t_lo / temp) ** (1.0 / length)
        for _ in range(length):
            if best_obj >= ceiling:
                break
            if time.thread_time() >= deadline:
                stats.capped = True
                break
            temp *= cooling
            step += 1
            delta = _step(
                state,
                rng=rng,
                movable=movable,
                temp=temp,
                p_exchange=p_exchange,
                bonus=bonus,
                prev_slot=prev_slot,
                penalty=penalty,
                slots_t=slots_t,
            )
            if delta is None:
                continue
            current += delta
            if current > best_obj:
                best_obj = current
                best = state.slot_of.copy()
                stats.time_to_best = time.perf_counter() - started
        else:
            continue
        break
    stats.iterations = step
    return best, stats


def _step(
    state: State,
    *,
    rng: np.random.Generator,
    movable: np.ndarray,
    temp: float,
    p_exchange: float,
    bonus: int,
    prev_slot: np.ndarray,
    penalty: int,
    slots_t: np.ndarray,
) -> int | None:
    """One annealing step at ``temp``; the objective change, None for none."""
    comp = state.comp
    T = comp.T
    if p_exchange and rng.random() < p_exchange:
        ta, tb = (int(v) for v in rng.choice(T, size=2, replace=False))
        delta, go_a, go_b = slot_exchange(state, ta, tb, prev_slot, penalty)
        if not (go_a or go_b):
            return None
        if delta < 0 and rng.random() >= np.exp(delta / temp):
            return None
        for s in go_a:
            state.move(s, tb)
        for s in go_b:
            state.move(s, ta)
        return delta
    # Sessions that leave much interest unserved are where utility is won;
    # +1 keeps every session reachable.
    weights = np.cumsum(state.missed[movable] + 1.0)
    s1 = int(movable[np.searchsorted(weights, rng.random() * weights[-1])])
    sd, sok, md, mok = state.deltas(s1)
    t1 = int(state.slot_of[s1])
    slot = state.slot_of
    swap_obj = sd
    move_obj = md + (bonus if t1 == T else 0)
    if penalty:
        has_prev = prev_slot >= 0
        p1 = int(prev_slot[s1])
        before1 = int(p1 >= 0 and t1 != p1)
        after1 = (p1 >= 0) & (slot != p1)
        after2 = has_prev & (prev_slot != t1)
        before2 = has_prev & (slot != prev_slot)
        dchg = after1.astype(np.int64) - before1 + after2 - before2
        swap_obj = swap_obj - penalty * dchg
        move_chg = ((p1 >= 0) & (slots_t != p1)).astype(np.int64)
        move_obj = move_obj - penalty * (move_chg - before1)
    cand_s = np.flatnonzero(sok)
    cand_m = np.flatnonzero(mok)
    values = np.concatenate(
        (swap_obj[cand_s], move_obj[cand_m], np.zeros(1, dtype=np.int64))
    )
    # Heat-bath choice; the last entry is "stay where you are".
    wts = np.cumsum(np.exp((values - values.max()) / temp))
    pick = int(np.searchsorted(wts, rng.random() * wts[-1]))
    if pick >= len(values) - 1:
        return None
    if pick < len(cand_s):
        state.swap(s1, int(cand_s[pick]))
    else:
        state.move(s1, int(cand_m[pick - len(cand_s)]))
    return int(values[pick])


def slot_overflow(state: State, members: list[int]) -> tuple[float, np.ndarray]:
    comp = state.comp
    att = slot_attendance(comp.W, members)
    _rooms, over = assign_rooms(members, att, comp)
    return over, att


def polish_overflow(
    state: State,
    *,
    rng: np.random.Generator,
    deadline: float,
    prev_slot: np.ndarray,
    change_penalty: int,
) -> bool:
    """Reduce room overflow with swaps and moves that keep the objective.

    Only steps whose objective change (utility, placements, change
    penalty) is exactly zero are considered, so overflow stays a strictly
    secondary goal. Stops after a pass with no improvement, or at the
    deadline (on ``time.thread_time()``, a safety cap): returns True when the
    deadline stopped it.
    """
    comp = state.comp
    T = comp.T
    movable = np.flatnonzero(comp.movable)
    has_prev = prev_slot >= 0
    over = [slot_overflow(state, state.members[t])[0] for t in range(T)]
    improved = True
    while improved:
        improved = False
        for s1 in rng.permutation(movable):
            if time.thread_time() >= deadline:
                return True
            s1 = int(s1)
            t1 = int(state.slot_of[s1])
            if t1 == T:
                continue
            sd, sok, md, mok = state.deltas(s1)
            slot = state.slot_of
            zero = sok & (sd == 0) & (slot < T)
            mzero = mok & (md == 0)
            if has_prev.any():
                same = (prev_slot[s1] < 0) | (
                    (slot != prev_slot[s1]) == (t1 != prev_slot[s1])
                )
                same2 = ~has_prev | ((prev_slot != t1) == (slot != prev_slot))
                zero &= same & same2
                mzero &= (prev_slot[s1] < 0) | (
                    (np.arange(T + 1) != prev_slot[s1]) == (t1 != prev_slot[s1])
                )
            options = [("swap", int(s)) for s in np.flatnonzero(zero)]
            options += [("move", int(t)) for t in np.flatnonzero(mzero)]
            for kind, other in options:
                t2 = int(slot[other]) if kind == "swap" else other
                if over[t1] + over[t2] <= 1e-9:
                    continue
                m1 = [s for s in state.members[t1] if s != s1]
                m2 = [s for s in state.members[t2] if s != other or kind == "move"]
                if kind == "swap":
                    m1.append(other)
                m2.append(s1)
                o1, _ = slot_overflow(state, m1)
                o2, _ = slot_overflow(state, m2)
                if o1 + o2 < over[t1] + over[t2] - 1e-9:
                    if kind == "swap":
                        state.swap(s1, other)
                    else:
                        state.move(s1, other)
                    over[t1], over[t2] = o1, o2
                    improved = True
                    break
    return False
