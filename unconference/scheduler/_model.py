"""Index form of a scheduling problem and its incremental evaluator.

Private to :mod:`unconference.scheduler`. Everything here works on integer
indices (sessions ``0..S-1``, slots ``0..T-1``, attendees ``0..A-1``); slot
index ``T`` is a virtual "unplaced" slot that nobody attends and that has no
capacity limit, so leaving a session out is just another move.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ._solve import Problem


class Compiled:
    """A :class:`Problem` turned into dense numpy arrays.

    Attributes hold the weight matrix ``W`` (attendees x sessions, with the
    proposer bonus already applied), the allowed-slot mask, pins, the
    "shares a proposer" matrix and the per-attendee upper bounds.
    """

    def __init__(self, problem: Problem) -> None:
        self.sessions: list[Hashable] = list(problem.sessions)
        self.slots: list[Hashable] = list(problem.slots)
        self.rooms = list(problem.rooms)
        self.session_index = {s: i for i, s in enumerate(self.sessions)}
        self.slot_index = {t: i for i, t in enumerate(self.slots)}
        self.room_index = {r.key: i for i, r in enumerate(self.rooms)}
        S, T, R = len(self.sessions), len(self.slots), len(self.rooms)
        self.S, self.T, self.R = S, T, R

        # Attendees: everyone who rated something, then proposers who did
        # not; the extra ones are sorted by repr so that the order (and so
        # every floating-point sum) does not depend on set iteration order.
        attendees = list(problem.interest)
        known = set(attendees)
        extra = {
            p
            for members in problem.proposers.values()
            for p in members
            if p not in known
        }
        attendees.extend(sorted(extra, key=repr))
        self.attendees: list[Hashable] = attendees
        self.A = len(attendees)
        attendee_index = {a: i for i, a in enumerate(attendees)}

        W = np.zeros((self.A, S), dtype=np.int64)
        for a, ratings in problem.interest.items():
            row = attendee_index[a]
            for s, weight in ratings.items():
                W[row, self.session_index[s]] = weight
        owners: list[list[int]] = [[] for _ in range(S)]
        for s, members in problem.proposers.items():
            col = self.session_index[s]
            for p in members:
                row = attendee_index[p]
                W[row, col] = max(W[row, col], problem.proposer_weight)
                owners[col].append(row)
        # The evaluator streams through W constantly; the smallest integer
        # type that holds the weights keeps that in cache.
        top_weight = int(W.max()) if W.size else 0
        # Deltas add up to four weights before summing, hence the // 4.
        for dtype in (np.int8, np.int16, np.int32, np.int64):
            if top_weight <= np.iinfo(dtype).max // 4:
                break
        self.W: np.ndarray = W.astype(dtype)
        self.owners = owners
        self.raters: list[np.ndarray] = [np.flatnonzero(W[:, s]) for s in range(S)]
        # The same ratings by attendee (CSR): ratings of attendee a are
        # rated[ptr[a]:ptr[a + 1]] with weights rated_w[...]. The evaluator
        # uses it to visit only (attendee, session) pairs that carry a weight.
        rows, cols = np.nonzero(W)
        self.ptr = np.zeros(self.A + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=self.A), out=self.ptr[1:])
        self.rated = cols.astype(np.int64)
        self.rated_w = self.W[rows, cols]

        # share[i, j] = 1 when sessions i and j have a proposer in common;
        # such sessions may never share a slot.
        share = np.zeros((S, S), dtype=np.int64)
        by_person: dict[int, list[int]] = {}
        for col, people in enumerate(owners):
            for person in people:
                by_person.setdefault(person, []).append(col)
        for shared in by_person.values():
            for i in shared:
                for j in shared:
                    if i != j:
                        share[i, j] = 1
        self.share = share

        allow = np.ones((S, T + 1), dtype=bool)
        for s, allowed in problem.allowed_slots.items():
            col = self.session_index[s]
            allow[col, :T] = False
            for t in allowed:
                allow[col, self.slot_index[t]] = True
        self.pin_slot = np.full(S, -1, dtype=np.int64)
        self.pin_room = np.full(S, -1, dtype=np.int64)
        for s, (t, r) in problem.pins.items():
            col = self.session_index[s]
            self.pin_slot[col] = self.slot_index[t]
            if r is not None:
                self.pin_room[col] = self.room_index[r]
            allow[col, :] = False
            allow[col, self.slot_index[t]] = True
        self.allow = allow
        self.movable = self.pin_slot < 0

        self.capacity = np.array([r.capacity for r in self.rooms], dtype=np.float64)
        # Each attendee can attend at most one session per slot, so their
        # best possible schedule is their T highest ratings.
        top = -np.sort(-W, axis=1)[:, :T]
        self.attendee_bound = top.sum(axis=1, dtype=np.int64)
        self.bound = int(self.attendee_bound.sum())
        self.value = W.sum(axis=0, dtype=np.int64)

    def pairs(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every rating made by ``rows``: (index into rows, session, weight)."""
        starts = self.ptr[rows]
        lens = self.ptr[rows + 1] - starts
        ends = np.cumsum(lens)
        total = int(ends[-1]) if len(ends) else 0
        idx = np.arange(total) + np.repeat(starts - (ends - lens), lens)
        pos = np.repeat(np.arange(len(rows)), lens)
        return pos, self.rated[idx], self.rated_w[idx]


def slot_best(
    W: np.ndarray, rows: np.ndarray | slice, members: Sequence[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Best and second-best rating of attendees ``rows`` among ``members``."""
    n = W.shape[0] if isinstance(rows, slice) else len(rows)
    if len(members) == 0:
        return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    if len(members) == 1:
        return W[rows, members[0]].copy(), np.zeros(n, dtype=np.int64)
    if isinstance(rows, slice):
        sub = W[rows][:, list(members)]
    else:
        sub = W[rows[:, None], members]
    top = np.sort(sub, axis=1)
    return top[:, -1].copy(), top[:, -2].copy()


def slot_attendance(W: np.ndarray, members: Sequence[int]) -> np.ndarray:
    """Expected attendance of each session in one slot.

    Every attendee goes to the session they rate highest in the slot; an
    attendee whose best rating there is 0 goes to none. Ties are split
    evenly (two equally loved sessions get half a person each), which keeps
    the figure independent of session order.
    """
    if len(members) == 0:
        return np.zeros(0)
    sub = W[:, list(members)]
    best = sub.max(axis=1)
    top = (sub == best[:, None]) & (best[:, None] > 0)
    ties = top.sum(axis=1)
    share = np.divide(1.0, ties, out=np.zeros(len(ties)), where=ties > 0)
    return (top * share[:, None]).sum(axis=0)


def assign_rooms(
    members: Sequence[int],
    attendance: np.ndarray,
    comp: Compiled,
    previous_rooms: dict[int, int] | None = None,
) -> tuple[dict[int, int], float]:
    """Give the sessions of one slot their rooms; return them and overflow.

    Room-pinned sessions get their room. The rest are matched in order:
    the most expected attendees get the biggest free room, which minimises
    the total overflow (attendance minus capacity, when positive) because
    that cost is convex. When ``previous_rooms`` is given, a layout that
    keeps sessions in their previous room is used instead if it does not
    increase overflow, so a re-run does not shuffle room signs needlessly.
    """
    cap = comp.capacity
    pinned = {s: int(comp.pin_room[s]) for s in members if comp.pin_room[s] >= 0}
    free = [r for r in range(comp.R) if r not in pinned.values()]
    free.sort(key=lambda r: (-cap[r], r))
    att = {s: float(a) for s, a in zip(members, attendance, strict=True)}
    rest = sorted((s for s in members if s not in pinned), key=lambda s: (-att[s], s))

    def finish(base: dict[int, int], todo: list[int]) -> tuple[dict[int, int], float]:
        rooms = dict(base)
        left = [r for r in free if r not in rooms.values()]
        rooms.update(zip(todo, left, strict=False))
        over = sum(max(0.0, att[s] - cap[r]) for s, r in rooms.items())
        return rooms, over

    best = finish(pinned, rest)
    if previous_rooms:
        keep = dict(pinned)
        for s in rest:
            r = previous_rooms.get(s)
            if r is not None and r in free and r not in keep.values():
                keep[s] = r
        alt = finish(keep, [s for s in rest if s not in keep])
        if alt[1] <= best[1] + 1e-9:
            return alt
    return best


class State:
    """Incremental evaluator of a slot assignment.

    For every attendee and slot it keeps the best and second-best rating
    among the sessions in that slot (``b1``, ``b2``). Moving a session then
    only touches the rows of the people who rated the moved sessions. It
    also keeps, for every session, the utility lost by removing it from its
    slot (``loss``), the utility gained by adding it to each slot
    (``gain``) and how much of its raters' interest it fails to serve
    (``missed``: it is not their strict favourite in its slot). ``gain`` and
    ``loss`` let :meth:`deltas` price every swap and move of one session in
    a single vectorised pass; ``missed`` tells the search where to look.
    """

    def __init__(self, comp: Compiled, slot_of: np.ndarray) -> None:
        self.comp = comp
        T = comp.T
        W = comp.W
        self.slot_of = np.array(slot_of, dtype=np.int64)
        self.members: list[list[int]] = [[] for _ in range(T + 1)]
        for s, t in enumerate(self.slot_of):
            self.members[t].append(s)
        self.count = np.array([len(m) for m in self.members], dtype=np.int64)
        self.b1 = np.zeros((comp.A, T + 1), dtype=W.dtype)
        self.b2 = np.zeros((comp.A, T + 1), dtype=W.dtype)
        self.gain = np.zeros((comp.S, T + 1), dtype=np.int64)
        self.loss = np.zeros(comp.S, dtype=np.int64)
        self.missed = np.zeros(comp.S, dtype=np.int64)
        every = np.arange(comp.A)
        for t in range(T):
            self.b1[:, t], self.b2[:, t] = slot_best(W, slice(None), self.members[t])
            self.gain[:, t] = np.maximum(W - self.b1[:, t, None], 0).sum(axis=0)
            if self.members[t]:
                loss, missed = self._contrib(t, every, self.members[t])
                self.loss[self.members[t]] = loss
                self.missed[self.members[t]] = missed
        self.missed[self.members[T]] = comp.value[self.members[T]]
        # conflicts[s, t]: sessions in slot t sharing a proposer with s.
        self.conflicts = np.zeros((comp.S, T + 1), dtype=np.int64)
        for t in range(T + 1):
            if self.members[t]:
                self.conflicts[:, t] = comp.share[:, self.members[t]].sum(axis=1)
        self.utility = int(self.b1[:, :T].sum(dtype=np.int64))

    @property
    def placed(self) -> int:
        return int(self.comp.S - self.count[self.comp.T])

    def _contrib(
        self, t: int, rows: np.ndarray, members: list[int]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per-member loss and missed interest over ``rows`` in slot ``t``."""
        sub = self.comp.W[rows[:, None], members]
        b1 = self.b1[rows, t][:, None]
        b2 = self.b2[rows, t][:, None]
        best = sub == b1
        # Removing a member only costs b1 - b2 to people for whom it is the
        # best (0 when another member ties with it).
        loss = (best * (b1 - b2)).sum(axis=0, dtype=np.int64)
        served = best & (b2 < b1)
        missed = np.where(served, 0, sub).sum(axis=0, dtype=np.int64)
        return loss, missed

    def _update_session(self, s: int) -> None:
        """Recompute loss and missed of ``s`` from scratch (it just moved)."""
        t = int(self.slot_of[s])
        if t == self.comp.T:
            self.loss[s] = 0
            self.missed[s] = self.comp.value[s]
            return
        loss, missed = self._contrib(t, self.comp.raters[s], [s])
        self.loss[s] = loss[0]
        self.missed[s] = missed[0]

    def _refresh(self, t: int, rows: np.ndarray, moved: tuple[int, ...]) -> None:
        """Recompute b1/b2 of slot ``t`` for ``rows`` and patch the rest."""
        if t == self.comp.T or len(rows) == 0:
            return
        W = self.comp.W
        members = self.members[t]
        new1, new2 = slot_best(W, rows, members)
        old1 = self.b1[rows, t]
        old2 = self.b2[rows, t]
        changed = (new1 != old1) | (new2 != old2)
        if not changed.any():
            return
        rows, old1, old2 = rows[changed], old1[changed], old2[changed]
        new1, new2 = new1[changed], new2[changed]
        stayers = [s for s in members if s not in moved]
        if stayers:
            loss_old, missed_old = self._contrib(t, rows, stayers)
        self.b1[rows, t] = new1
        self.b2[rows, t] = new2
        if stayers:
            loss_new, missed_new = self._contrib(t, rows, stayers)
            self.loss[stayers] += loss_new - loss_old
            self.missed[stayers] += missed_new - missed_old
        up = new1 != old1
        if up.any():
            o = old1[up].astype(np.int64)
            n = new1[up].astype(np.int64)
            pos, sess, w = self.comp.pairs(rows[up])
            delta = np.maximum(w - n[pos], 0) - np.maximum(w - o[pos], 0)
            self.gain[:, t] += np.bincount(
                sess, weights=delta, minlength=self.comp.S
            ).astype(np.int64)
            self.utility += int(n.sum() - o.sum())

    def _relocate(self, s: int, t: int) -> None:
        old = self.slot_of[s]
        self.members[old].remove(s)
        self.members[t].append(s)
        self.count[old] -= 1
        self.count[t] += 1
        self.slot_of[s] = t
        share = self.comp.share[:, s]
        self.conflicts[:, old] -= share
        self.conflicts[:, t] += share

    def move(self, s: int, t: int) -> None:
        """Move session ``s`` to slot ``t`` (``T`` = leave it out)."""
        old = int(self.slot_of[s])
        if old == t:
            return
        self._relocate(s, t)
        rows = self.comp.raters[s]
        self._refresh(old, rows, (s,))
        self._refresh(t, rows, (s,))
        self._update_session(s)

    def swap(self, s1: int, s2: int) -> None:
        """Exchange the slots of sessions ``s1`` and ``s2``."""
        t1, t2 = int(self.slot_of[s1]), int(self.slot_of[s2])
        if t1 == t2:
            return
        self._relocate(s1, t2)
        self._relocate(s2, t1)
        rows = np.union1d(self.comp.raters[s1], self.comp.raters[s2])
        self._refresh(t1, rows, (s1, s2))
        self._refresh(t2, rows, (s1, s2))
        self._update_session(s1)
        self._update_session(s2)

    def deltas(self, s1: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Price every swap and every move of session ``s1``.

        Returns ``(swap_delta, swap_ok, move_delta, move_ok)``: utility
        change of swapping ``s1`` with each session, whether that swap keeps
        the hard rules, and the same for moving ``s1`` into a free cell of
        each slot. Only the raters of ``s1`` are visited explicitly; the
        effect on everybody else is read from ``gain`` and ``loss``.
        """
        comp = self.comp
        T = comp.T
        W = comp.W
        slot = self.slot_of
        t1 = int(slot[s1])
        rows = comp.raters[s1]
        w1 = W[rows, s1]
        if t1 < T:
            b1t = self.b1[rows, t1]
            r1 = np.where(w1 == b1t, self.b2[rows, t1], b1t)
        else:
            b1t = r1 = np.zeros(len(rows), dtype=W.dtype)
        # Base case: a rater of s1 who does not rate s2 loses s1 from t1
        # (summing to -loss[s1]) and may gain s1 in s2's slot (gain[s1]);
        # everyone else is priced by gain[:, t1] - loss. The correction
        # below visits only people who rate both s1 and s2.
        pos, s2, w2 = comp.pairs(rows)
        sig = slot[s2]
        flat = rows[pos] * (T + 1) + sig
        B1 = self.b1.ravel()[flat]
        B2 = self.b2.ravel()[flat]
        rest = np.where(w2 == B1, B2, B1)
        r1p, b1p, w1p = r1[pos], b1t[pos], w1[pos]
        # With s2 in t1 their best there is max(rest-without-s1, W[s2]);
        # with s1 in s2's slot it is max(rest-without-s2, W[s1]).
        fix = np.maximum(r1p, w2) - np.maximum(b1p, w2) - (r1p - b1p)
        fix2 = np.maximum(rest, w1p) - rest - np.maximum(B1, w1p) + B1
        fix = fix + np.where(sig < T, fix2, 0)
        corr = np.bincount(s2, weights=fix, minlength=comp.S).astype(np.int64)
        placed2 = slot < T
        swap_delta = (
            corr + self.gain[s1, slot] - self.loss[s1] + self.gain[:, t1] - self.loss
        )

        share1 = comp.share[s1]
        swap_ok = (
            comp.movable
            & (slot != t1)
            & comp.allow[s1, slot]
            & comp.allow[:, t1]
            & (~placed2 | (self.conflicts[s1, slot] - share1 == 0))
        )
        if t1 < T:
            swap_ok &= self.conflicts[:, t1] - share1 == 0

        move_delta = self.gain[s1, :] - self.loss[s1]
        move_ok = (
            (self.count < comp.R)
            & comp.allow[s1]
            & (self.conflicts[s1] == 0)
            & (np.arange(T + 1) != t1)
        )
        move_ok[T] = False
        return swap_delta, swap_ok, move_delta, move_ok
