"""The tally of a poll: who answered what, best times first. Three queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .models import Answer, Choice, Party, Poll, PollTime


@dataclass
class TimeRow:
    time: PollTime
    yes: list[Party] = field(default_factory=list)
    maybe: list[Party] = field(default_factory=list)
    no: list[Party] = field(default_factory=list)
    pending: list[Party] = field(default_factory=list)
    # Each party's choice (None: not answered), in the order of Tally.parties.
    marks: list[str | None] = field(default_factory=list)
    is_best: bool = False

    @property
    def suits_everyone(self) -> bool:
        """Every party said yes or if need be."""
        return not self.no and not self.pending

    def score(self) -> tuple[bool, int, int, int]:
        """Lower is better: suits everyone, then fewest no, fewest not
        answered, most yes."""
        return (
            not self.suits_everyone,
            len(self.no),
            len(self.pending),
            -len(self.yes),
        )

    def sort_key(self) -> tuple[bool, int, int, int, datetime]:
        return (*self.score(), self.time.start)


@dataclass
class Tally:
    times: list[PollTime]
    parties: list[Party]
    answers: dict[int, dict[int, str]]
    rows: list[TimeRow]

    def answered(self, party: Party) -> bool:
        """A party has answered when it has an answer for every current time."""
        mine = self.answers.get(party.pk, {})
        return bool(self.times) and all(t.pk in mine for t in self.times)

    @property
    def everyone_answered(self) -> bool:
        return bool(self.parties) and all(self.answered(p) for p in self.parties)

    @property
    def suitable(self) -> list[PollTime]:
        return [row.time for row in self.rows if row.suits_everyone]

    def snapshot(self, party: Party) -> dict:
        """A party's answers by time, for audit entries."""
        mine = self.answers.get(party.pk, {})
        by_key = {t.key: mine[t.pk] for t in self.times if t.pk in mine}
        return {"answers": by_key, "comment": party.comment}


def build(poll: Poll, *, times: list[PollTime] | None = None) -> Tally:
    times = list(poll.times.all()) if times is None else times
    for time in times:
        time.poll = poll
    parties = list(poll.parties.all())
    answers: dict[int, dict[int, str]] = {}
    rows = Answer.objects.filter(party__poll=poll).values_list(
        "party_id", "time_id", "choice"
    )
    for party_id, time_id, choice in rows:
        answers.setdefault(party_id, {})[time_id] = choice
    table = []
    for time in times:
        row = TimeRow(time=time)
        for party in parties:
            given = answers.get(party.pk, {}).get(time.pk)
            buckets: dict[str | None, list[Party]] = {
                Choice.YES: row.yes,
                Choice.MAYBE: row.maybe,
                Choice.NO: row.no,
            }
            buckets.get(given, row.pending).append(party)
            row.marks.append(given)
        table.append(row)
    table.sort(key=TimeRow.sort_key)
    _mark_best(table)
    return Tally(times=times, parties=parties, answers=answers, rows=table)


def _mark_best(rows: list[TimeRow]) -> None:
    """The best times are those scoring as well as the first (rows are sorted),
    once that one has a yes or an if need be: a time nobody can make is not best."""
    if rows and (rows[0].yes or rows[0].maybe):
        top = rows[0].score()
        for row in rows:
            row.is_best = row.score() == top
