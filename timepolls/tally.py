"""The tally of a poll: who answered what, best times first. Three queries."""

from __future__ import annotations

from dataclasses import dataclass, field

from .models import Answer, Choice, Party, Poll, PollTime


@dataclass
class TimeRow:
    time: PollTime
    yes: list[Party] = field(default_factory=list)
    maybe: list[Party] = field(default_factory=list)
    no: list[Party] = field(default_factory=list)
    pending: list[Party] = field(default_factory=list)

    @property
    def suits_everyone(self) -> bool:
        """Every party said yes or if need be."""
        return not self.no and not self.pending

    def sort_key(self):
        return (
            not self.suits_everyone,
            len(self.no),
            len(self.pending),
            -len(self.yes),
            self.time.start,
        )


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
        table.append(row)
    table.sort(key=TimeRow.sort_key)
    return Tally(times=times, parties=parties, answers=answers, rows=table)
