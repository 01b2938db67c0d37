"""Finding the recipients SendGrid refused in a batch, so the rest still go.

SendGrid answers a batch that holds one bad address with a 400 and sends none
of it. Its error usually names the culprit (``personalizations.3.to.0.email``);
then that row alone fails and the rest are resent. When no field names a
recipient, `Search` finds the culprit by binary splitting: it keeps the rows
known to hold a bad one (those of the last refused request), sends half of
them, and keeps the other half if that was accepted, or the half it sent if
not; the rows that fall out wait until the bad one is found and are then sent
together. A row is marked bad only when it is the last unsent row of a set
known to hold a bad one, so no good row fails on a guess, however many bad
rows the batch holds.

Cost: finding one bad row in n takes at most ``ceil(log2(n))`` splits, and
sending the rows that fell out one more request: 11 after the refused batch
for 1,000 rows. That is close to the least possible: with k requests at most
2**(k - 1) suspects can be narrowed to one *and* have all the others sent,
because a refused last probe always leaves rows unsent. `Search` allows
``requests_per_bad_row(n)`` requests per bad row found plus one such lot for
the next, and reports what is left when that is spent (`unresolved`), so the
caller can fail it with a clear reason. A 400 that has nothing to do with the
recipients would make every probe fail and "find" one row per lot, so a
search in which SendGrid accepted nothing stops after its second lot.

Pure: no Django, no I/O; keys are whatever the caller uses for rows.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence


def requests_per_bad_row(batch_size: int) -> int:
    """Requests the search may spend to single out one bad row and send the rest."""
    return math.ceil(math.log2(max(batch_size, 1))) + 1


class Search[K: Hashable]:
    """One batch's search: drive it with probe(), then sent() or refused().

    Start it with the refusal of the whole batch:
    ``Search(keys).refused(keys, reason, named)``, where ``named`` holds the
    rows SendGrid's error named (none: search for them).
    """

    def __init__(self, keys: Sequence[K]) -> None:
        self._order = list(keys)
        self._unsent = set(self._order)
        self.allowance = requests_per_bad_row(len(self._order))
        self.requests = 0
        self.bad: dict[K, str] = {}
        self._named = 0  # rows SendGrid named: each is certain and cost one request
        self._accepted = False
        # Unsent rows known to hold a bad one, in batch order (None: no such
        # set, so the next probe is everything unsent), and the refusal's text.
        self._known: list[K] | None = None
        self._reason = ""

    def probe(self) -> list[K]:
        """The rows to send next, in batch order; [] when done or out of requests."""
        if not self._unsent or self.requests >= self.allowance * self._lots():
            return []
        self.requests += 1
        if self._known is None:
            return [k for k in self._order if k in self._unsent]
        return self._known[: len(self._known) // 2]

    def sent(self, probe: Sequence[K]) -> dict[K, str]:
        """SendGrid accepted ``probe``; returns the rows this proves bad."""
        self._accepted = True
        self._unsent.difference_update(probe)
        if self._known is not None:
            self._known = [k for k in self._known if k in self._unsent]
        return self._settle()

    def refused(
        self, probe: Sequence[K], reason: str, named: Mapping[K, str] | None = None
    ) -> dict[K, str]:
        """SendGrid refused ``probe`` (HTTP 400); returns the rows proven bad.

        ``named`` maps each row that SendGrid's error named to its message;
        the other rows of the probe may be good or bad, so all unsent rows go
        again in the next probe.
        """
        named = {k: text for k, text in (named or {}).items() if k in self._unsent}
        if named:
            self._named += len(named)
            self.bad.update(named)
            self._unsent.difference_update(named)
            self._known = None
            return named
        self._known = [k for k in probe if k in self._unsent]
        self._reason = reason
        return self._settle()

    def forget(self, keys: Sequence[K]) -> None:
        """Leave rows out from now on (another worker took them over)."""
        gone = set(keys) & self._unsent
        if gone:
            self._unsent -= gone
            if self._known is not None and gone & set(self._known):
                self._known = None  # the bad one may have been among them

    def unresolved(self) -> list[K]:
        """Rows neither sent nor proven bad, in batch order."""
        return [k for k in self._order if k in self._unsent]

    def _lots(self) -> int:
        found = len(self.bad) - self._named
        return self._named + (found + 1 if self._accepted else min(found + 1, 2))

    def _settle(self) -> dict[K, str]:
        if self._known is None or len(self._known) != 1:
            return {}
        (key,) = self._known
        self._known = None
        self._unsent.discard(key)
        self.bad[key] = self._reason
        return {key: self._reason}
