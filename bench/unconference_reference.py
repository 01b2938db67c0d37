"""References for bench/unconference.py that share no code with the scheduler.

Everything here reads only the fields of a ``Problem`` (its plain data) and
computes with its own code; nothing comes from ``unconference.scheduler``'s
search or evaluator, so agreeing with the scheduler means something.

* :class:`Dense` turns a problem into plain arrays and scores timetables.
* :func:`milp` solves an integer program of the same objective and hard
  rules with HiGHS: an optimum when HiGHS proves it, otherwise its best
  timetable and its dual (upper) bound.
* :func:`local_search` is a greedy start plus pairwise-swap descent, iterated
  with random kicks: the best timetable of a method unlike annealing.

Both handle instances where every session fits (sessions <= slots x rooms),
which is every realistic instance of the bench; they raise ValueError
otherwise.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np


class Dense:
    """A problem as arrays: weights, allowed slots, pins, shared proposers.

    ``W[a, s]`` is attendee ``a``'s weight for session ``s`` with the proposer
    rule applied (a proposer rates their own session at least
    ``proposer_weight``); ``allow[s, t]`` whether ``s`` may go to slot ``t``
    (pins included); ``share[s, s']`` whether two sessions have a proposer in
    common. Room pins do not change utility or feasibility of a slot
    assignment (a slot of ``R`` rooms holds any ``R`` sessions, and the
    problem refuses two pins to one cell), so only pinned slots matter here.
    """

    def __init__(self, problem) -> None:
        self.sessions = list(problem.sessions)
        self.slots = list(problem.slots)
        self.R = len(problem.rooms)
        self.S, self.T = len(self.sessions), len(self.slots)
        s_index = {s: i for i, s in enumerate(self.sessions)}
        t_index = {t: i for i, t in enumerate(self.slots)}
        people = list(problem.interest)
        for members in problem.proposers.values():
            people.extend(p for p in members if p not in problem.interest)
        people = list(dict.fromkeys(people))
        a_index = {a: i for i, a in enumerate(people)}
        W = np.zeros((len(people), self.S), dtype=np.int64)
        for a, ratings in problem.interest.items():
            for s, w in ratings.items():
                W[a_index[a], s_index[s]] = w
        owned: dict[object, list[int]] = {}
        for s, members in problem.proposers.items():
            for p in members:
                i, j = a_index[p], s_index[s]
                W[i, j] = max(W[i, j], problem.proposer_weight)
                owned.setdefault(p, []).append(j)
        self.W = W
        self.owned = [sorted(v) for v in owned.values() if len(v) > 1]
        share = np.zeros((self.S, self.S), dtype=bool)
        for group in self.owned:
            for i in group:
                for j in group:
                    share[i, j] = i != j
        self.share = share
        allow = np.ones((self.S, self.T), dtype=bool)
        for s, slots in problem.allowed_slots.items():
            allow[s_index[s]] = False
            for t in slots:
                allow[s_index[s], t_index[t]] = True
        self.pinned = np.zeros(self.S, dtype=bool)
        for s, (t, _room) in problem.pins.items():
            allow[s_index[s]] = False
            allow[s_index[s], t_index[t]] = True
            self.pinned[s_index[s]] = True
        self.allow = allow
        if self.S > self.T * self.R:
            raise ValueError("more sessions than cells: not handled here")

    def utility(self, slot_of: np.ndarray) -> int:
        """Sum over attendees and slots of their best weight in the slot."""
        total = 0
        for t in range(self.T):
            here = np.flatnonzero(slot_of == t)
            if len(here):
                total += int(self.W[:, here].max(axis=1).sum())
        return total

    def violations(self, slot_of: np.ndarray) -> list[str]:
        """Hard rules ``slot_of`` breaks (every session placed, as all fit)."""
        bad = []
        if (slot_of < 0).any():
            bad.append(f"{int((slot_of < 0).sum())} sessions left out")
        counts = np.bincount(slot_of[slot_of >= 0], minlength=self.T)
        bad += [f"slot {t} holds {n}" for t, n in enumerate(counts) if n > self.R]
        for s, t in enumerate(slot_of):
            if t >= 0 and not self.allow[s, t]:
                bad.append(f"session {s} in slot {t}, not allowed")
        for group in self.owned:
            slots = [int(slot_of[s]) for s in group if slot_of[s] >= 0]
            if len(slots) != len(set(slots)):
                bad.append(f"proposer of sessions {group} double-booked")
        return bad

    def slot_classes(self) -> list[list[int]]:
        """Slots that every session sees alike (same allowed column), in order.

        Exchanging the contents of two such slots keeps every rule and the
        utility, which the integer program uses to break symmetry.
        """
        classes: dict[bytes, list[int]] = {}
        for t in range(self.T):
            classes.setdefault(self.allow[:, t].tobytes(), []).append(t)
        return list(classes.values())

    def canonical(self, slot_of: np.ndarray) -> np.ndarray:
        """The same timetable with each class's slots ordered by their first
        session (empty slots last), the order the integer program demands."""
        out = slot_of.copy()
        for group in self.slot_classes():
            firsts = []
            for t in group:
                here = np.flatnonzero(slot_of == t)
                firsts.append(int(here.min()) if len(here) else self.S + t)
            order = [group[i] for i in np.argsort(firsts, kind="stable")]
            for new, old in zip(group, order, strict=True):
                out[slot_of == old] = new
        return out


@dataclass
class MilpResult:
    status: str
    value: int | None
    dual_bound: float
    seconds: float
    nodes: int
    slot_of: np.ndarray | None = field(default=None, repr=False)

    @property
    def proven(self) -> bool:
        return self.status == "Optimal"


def milp(
    problem,
    *,
    time_limit: float,
    start: np.ndarray | None = None,
    symmetry: bool = True,
    log: bool = False,
) -> MilpResult:
    """Solve the timetable as an integer program with HiGHS.

    Variables: ``x[s, t]`` binary (session ``s`` in slot ``t``, only where
    allowed); for attendee ``a``, slot ``t`` and each distinct weight level
    ``v_1 < ... < v_k`` that ``a`` gives, ``u[a, t, l]`` in [0, 1] with
    ``u <= sum of x[s, t] over the sessions s that a rates >= v_l``. The
    objective, ``sum (v_l - v_{l-1}) u[a, t, l]``, is at integral ``x``
    exactly "the best weight a gets in t", summed. Rules: each session in
    exactly one slot, at most ``R`` per slot, a proposer's sessions in
    different slots. Symmetry: within a class of interchangeable slots
    (:meth:`Dense.slot_classes`) slot ``j`` may hold session ``s`` only if
    slot ``j - 1`` holds a session before ``s`` (kept through cumulative
    counts ``c[s, t] = x[0..s, t]``); every timetable has such an ordering
    (:meth:`Dense.canonical`) with the same utility.

    ``start`` (a complete slot assignment) is passed as the first incumbent.
    Integer objective: a gap below 1 proves optimality, so the gap options
    are set to stop only then.
    """
    import highspy

    d = Dense(problem)
    S, T, W = d.S, d.T, d.W
    cols_cost: list[float] = []
    cols_ub: list[float] = []
    x = -np.ones((S, T), dtype=np.int64)
    for s in range(S):
        for t in range(T):
            if d.allow[s, t]:
                x[s, t] = len(cols_cost)
                cols_cost.append(0.0)
                cols_ub.append(1.0)
    n_x = len(cols_cost)
    rows: list[tuple[float, float, list[int], list[float]]] = []
    for s in range(S):
        idx = [int(v) for v in x[s] if v >= 0]
        rows.append((1.0, 1.0, idx, [1.0] * len(idx)))
    for t in range(T):
        idx = [int(v) for v in x[:, t] if v >= 0]
        rows.append((-np.inf, float(d.R), idx, [1.0] * len(idx)))
    for group in d.owned:
        for t in range(T):
            idx = [int(x[s, t]) for s in group if x[s, t] >= 0]
            if len(idx) > 1:
                rows.append((-np.inf, 1.0, idx, [1.0] * len(idx)))
    u_of: list[tuple[int, int, int]] = []  # (attendee, slot, level) per u column
    for a in range(W.shape[0]):
        levels = sorted({int(w) for w in W[a] if w > 0})
        prev = 0
        for level in levels:
            sessions = np.flatnonzero(W[a] >= level)
            for t in range(T):
                idx = [int(x[s, t]) for s in sessions if x[s, t] >= 0]
                if not idx:
                    continue
                col = len(cols_cost)
                cols_cost.append(float(level - prev))
                cols_ub.append(1.0)
                u_of.append((a, t, level))
                rows.append((-np.inf, 0.0, [col, *idx], [1.0] + [-1.0] * len(idx)))
            prev = level
    if symmetry:
        for group in d.slot_classes():
            if len(group) < 2:
                continue
            # c[s, t] = number of sessions 0..s in slot t, for t in the class.
            c = {}
            for t in group:
                for s in range(S):
                    col = len(cols_cost)
                    cols_cost.append(0.0)
                    cols_ub.append(float(d.R))
                    c[s, t] = col
                    idx, val = [col], [1.0]
                    if s:
                        idx.append(c[s - 1, t])
                        val.append(-1.0)
                    if x[s, t] >= 0:
                        idx.append(int(x[s, t]))
                        val.append(-1.0)
                    rows.append((0.0, 0.0, idx, val))
            for j in range(1, len(group)):
                t, before = group[j], group[j - 1]
                for s in range(S):
                    if x[s, t] < 0:
                        continue
                    idx, val = [int(x[s, t])], [1.0]
                    if s:
                        idx.append(c[s - 1, before])
                        val.append(-1.0)
                    rows.append((-np.inf, 0.0, idx, val))

    h = highspy.Highs()
    h.setOptionValue("output_flag", log)
    h.setOptionValue("threads", 1)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 0.999)
    n = len(cols_cost)
    h.addVars(n, np.zeros(n), np.array(cols_ub))
    h.changeColsCost(n, np.arange(n, dtype=np.int32), np.array(cols_cost))
    h.changeColsIntegrality(
        n_x,
        np.arange(n_x, dtype=np.int32),
        np.full(n_x, highspy.HighsVarType.kInteger.value, dtype=np.uint8),
    )
    lower = np.array([r[0] for r in rows])
    upper = np.array([r[1] for r in rows])
    starts = np.cumsum([0] + [len(r[2]) for r in rows[:-1]]).astype(np.int32)
    index = np.array([i for r in rows for i in r[2]], dtype=np.int32)
    value = np.array([v for r in rows for v in r[3]])
    h.addRows(len(rows), lower, upper, len(index), starts, index, value)
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    if start is not None:
        h.setSolution(_start_vector(d, x, u_of, n, start, symmetry))
    began = time.perf_counter()
    h.run()
    seconds = time.perf_counter() - began
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    slot_of = None
    value_found = None
    if info.primal_solution_status == 2:  # feasible
        col = np.array(h.getSolution().col_value)
        slot_of = -np.ones(S, dtype=np.int64)
        for s in range(S):
            for t in range(T):
                if x[s, t] >= 0 and col[x[s, t]] > 0.5:
                    slot_of[s] = t
        value_found = d.utility(slot_of)
    return MilpResult(
        status=status,
        value=value_found,
        dual_bound=float(info.mip_dual_bound),
        seconds=seconds,
        nodes=int(info.mip_node_count),
        slot_of=slot_of,
    )


def _start_vector(d: Dense, x, u_of, n: int, start: np.ndarray, symmetry: bool):
    """Every column's value for the timetable ``start`` (made canonical)."""
    import highspy

    slot_of = d.canonical(start) if symmetry else start
    values = np.zeros(n)
    for s, t in enumerate(slot_of):
        values[x[s, t]] = 1.0
    for col, (a, t, level) in enumerate(u_of, start=int((x >= 0).sum())):
        here = slot_of == t
        values[col] = float((d.W[a, here] >= level).any())
    if symmetry:
        col = len(u_of) + int((x >= 0).sum())
        for group in d.slot_classes():
            if len(group) < 2:
                continue
            for t in group:
                values[col : col + d.S] = np.cumsum(slot_of == t)
                col += d.S
    solution = highspy.HighsSolution()
    solution.col_value = values
    return solution


class _Swaps:
    """Best-weight bookkeeping for one timetable, and the price of swaps.

    ``b1[a, t]`` is attendee ``a``'s best weight in slot ``t``, ``arg[a, t]``
    the session giving it (-1 for none) and ``b2[a, t]`` the best among the
    other sessions there. Swapping ``s1`` (slot ``ta``) with ``s2`` (slot
    ``tb``) changes ``a``'s best in ``ta`` to ``max(W[a, s2], r1[a])``, with
    ``r1`` the best without ``s1``, and in ``tb`` to ``max(W[a, s1], best
    without s2)``.
    """

    def __init__(self, d: Dense, slot_of: np.ndarray) -> None:
        self.d = d
        self.slot_of = slot_of.copy()
        A = d.W.shape[0]
        self.b1 = np.zeros((A, d.T), dtype=np.int64)
        self.b2 = np.zeros((A, d.T), dtype=np.int64)
        self.arg = -np.ones((A, d.T), dtype=np.int64)
        self.conf = np.zeros((d.S, d.T), dtype=np.int64)
        for t in range(d.T):
            self._slot(t)
        # Every rating: who (rows), which session (cols), how much (w).
        rows, cols = np.nonzero(d.W)
        self.by_s_rows, self.by_s_cols = rows, cols
        self.by_s_w = d.W[rows, cols]

    def _slot(self, t: int) -> None:
        d = self.d
        here = np.flatnonzero(self.slot_of == t)
        self.conf[:, t] = d.share[:, here].sum(axis=1) if len(here) else 0
        if len(here) == 0:
            self.b1[:, t] = self.b2[:, t] = 0
            self.arg[:, t] = -1
            return
        sub = d.W[:, here]
        order = np.argsort(-sub, axis=1, kind="stable")
        self.arg[:, t] = here[order[:, 0]]
        self.b1[:, t] = np.take_along_axis(sub, order[:, :1], axis=1)[:, 0]
        if len(here) > 1:
            self.b2[:, t] = np.take_along_axis(sub, order[:, 1:2], axis=1)[:, 0]
        else:
            self.b2[:, t] = 0
        self.arg[self.b1[:, t] == 0, t] = -1

    def swap_deltas(self, s1: int) -> tuple[np.ndarray, np.ndarray]:
        """Utility change of swapping ``s1`` with every session, and which swaps
        keep the rules."""
        d = self.d
        ta = int(self.slot_of[s1])
        slot = self.slot_of
        w1 = d.W[:, s1]
        r1 = np.where(self.arg[:, ta] == s1, self.b2[:, ta], self.b1[:, ta])
        # Slot ta, without s1 and with s2: only raters of s2 can gain on r1.
        base_a = int(r1.sum() - self.b1[:, ta].sum())
        lifted = np.maximum(self.by_s_w - r1[self.by_s_rows], 0)
        gain_a = base_a + np.bincount(
            self.by_s_cols, weights=lifted, minlength=d.S
        ).astype(np.int64)
        # Slot tb, without s2 and with s1: max(w1, b1) unless s2 gave b1.
        with_s1 = np.maximum(self.b1, w1[:, None])
        base_b = with_s1.sum(axis=0) - self.b1.sum(axis=0)  # per slot
        fix = np.maximum(self.b2, w1[:, None]) - with_s1  # where arg == s2
        owner = self.arg.ravel()
        hit = owner >= 0
        corr = np.bincount(owner[hit], weights=fix.ravel()[hit], minlength=d.S)
        gain_b = base_b[slot] + corr.astype(np.int64)
        ok = (
            (slot != ta)
            & ~d.pinned
            & ~d.pinned[s1]
            & d.allow[:, ta]
            & d.allow[s1, slot]
            & (self.conf[s1, slot] - d.share[s1] == 0)
            & (self.conf[:, ta] - d.share[:, s1] == 0)
        )
        return gain_a + gain_b, ok

    def swap(self, s1: int, s2: int) -> None:
        ta, tb = int(self.slot_of[s1]), int(self.slot_of[s2])
        self.slot_of[s1], self.slot_of[s2] = tb, ta
        self._slot(ta)
        self._slot(tb)


def greedy(d: Dense) -> np.ndarray:
    """Pinned sessions first, then the most restricted, then the most wanted;
    each goes to the allowed slot with a free room and no proposer clash
    where it adds the most (ties: the emptier slot, then the earlier)."""
    slot_of = -np.ones(d.S, dtype=np.int64)
    best = np.zeros((d.W.shape[0], d.T), dtype=np.int64)
    count = np.zeros(d.T, dtype=np.int64)
    order = sorted(
        range(d.S),
        key=lambda s: (not d.pinned[s], int(d.allow[s].sum()), -int(d.W[:, s].sum())),
    )
    for s in order:
        ok = d.allow[s] & (count < d.R)
        for t in np.flatnonzero(ok):
            if (d.share[s] & (slot_of == t)).any():
                ok[t] = False
        if not ok.any():
            _make_room(d, slot_of, count, s)
            best = np.zeros_like(best)
            for t in range(d.T):
                here = np.flatnonzero(slot_of == t)
                if len(here):
                    best[:, t] = d.W[:, here].max(axis=1)
            continue
        gain = np.maximum(d.W[:, s, None] - best, 0).sum(axis=0)
        key = np.where(ok, gain * (d.R + 1) - count, np.iinfo(np.int64).min)
        t = int(np.argmax(key))
        slot_of[s] = t
        count[t] += 1
        best[:, t] = np.maximum(best[:, t], d.W[:, s])
    assert d.violations(slot_of) == [], d.violations(slot_of)
    return slot_of


def _make_room(d: Dense, slot_of: np.ndarray, count: np.ndarray, s: int) -> None:
    """Place ``s`` by moving one placed session to a slot with a free room."""

    def fits(x: int, t: int, ignore: int = -1) -> bool:
        others = (slot_of == t) & (np.arange(d.S) != ignore)
        return bool(d.allow[x, t] and not (d.share[x] & others).any())

    for t in np.flatnonzero(d.allow[s]):
        for x in np.flatnonzero(slot_of == t):
            if d.pinned[x] or not fits(s, int(t), ignore=int(x)):
                continue
            for t2 in np.flatnonzero(count < d.R):
                if t2 != t and fits(int(x), int(t2)):
                    slot_of[x], slot_of[s] = t2, t
                    count[t2] += 1
                    return
    raise ValueError(f"greedy could not place session {s}")


def local_search(
    problem, *, seconds: float, seed: int, kick: int = 3
) -> tuple[int, np.ndarray, dict]:
    """Greedy start, then best-improvement pairwise swaps until none helps,
    then repeatedly: ``kick`` random valid swaps and descent again, keeping
    the result when it is at least as good (a walk along plateaus) and going
    back otherwise. Stops after ``seconds``; returns the best utility, its
    timetable and counts of what was done."""
    d = Dense(problem)
    rng = np.random.default_rng(seed)
    began = time.perf_counter()
    state = _Swaps(d, greedy(d))
    current = d.utility(state.slot_of)
    stats = {"greedy": current, "descents": 0, "swaps": 0}
    current = _descend(state, current, rng, stats)
    best, best_slots = current, state.slot_of.copy()
    while time.perf_counter() - began < seconds:
        saved = state.slot_of.copy()
        for _ in range(kick):
            s1 = int(rng.integers(d.S))
            _delta, ok = state.swap_deltas(s1)
            options = np.flatnonzero(ok)
            if len(options):
                state.swap(s1, int(options[rng.integers(len(options))]))
        value = _descend(state, d.utility(state.slot_of), rng, stats)
        if value >= current:
            current = value
            if value > best:
                best, best_slots = value, state.slot_of.copy()
        else:
            state = _Swaps(d, saved)
    assert d.utility(best_slots) == best and d.violations(best_slots) == []
    return best, best_slots, stats


def _descend(state: _Swaps, value: int, rng, stats: dict) -> int:
    d = state.d
    improved = True
    while improved:
        improved = False
        for s1 in rng.permutation(d.S):
            delta, ok = state.swap_deltas(int(s1))
            delta = np.where(ok, delta, 0)
            s2 = int(np.argmax(delta))
            if delta[s2] > 0:
                state.swap(int(s1), s2)
                value += int(delta[s2])
                stats["swaps"] += 1
                improved = True
    stats["descents"] += 1
    return value
