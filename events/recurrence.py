"""The dates of a repeating event: pure functions, no database.

`describe` says the rule in the active language (weekday names and ordinals
from Django's catalogs).

Dates are counted on the wall clock of the event's own time zone, never by
adding hours in UTC, so a weekly 19:00 in Berlin stays at 19:00 when the clocks
change (and so moves by an hour in UTC). The first event is always the first
date, and the rule repeats from it:

- weekly, every `interval` weeks, on its weekday;
- monthly by date (the 10th), every `interval` months; a month without that
  date (the 31st in April, the 30th in February) is skipped and not counted,
  as RFC 5545 (3.3.10) does with invalid dates, rather than moved to the
  month's last day;
- monthly by weekday (the 2nd Tuesday); a month without a 5th Tuesday is
  skipped the same way, which is why the form offers "the last Thursday" too;
- monthly on the last weekday (the last Thursday).

A series ends on its `until` date (in the event's zone, that day included) or
after `count` events. A time the clocks skip (02:30 on a spring-forward night)
takes the UTC offset from before the gap, so it moves forward by the gap
(RFC 5545 again); a time that happens twice takes its first occurrence, as the
event form does.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from django.contrib.humanize.templatetags.humanize import ordinal
from django.utils.dates import WEEKDAYS
from django.utils.translation import ngettext

WEEKLY, MONTHLY = "weekly", "monthly"
BY_DATE, BY_WEEKDAY, BY_LAST_WEEKDAY = "date", "weekday", "last_weekday"

# Far more steps than any allowed series needs (52 events within a year):
# only a guard against a rule that never yields a date.
MAX_STEPS = 1000


@dataclass(frozen=True)
class Rule:
    frequency: str  # WEEKLY or MONTHLY
    interval: int = 1
    monthly_by: str = ""  # BY_DATE, BY_WEEKDAY or BY_LAST_WEEKDAY when MONTHLY
    until: date | None = None
    count: int | None = None


def starts(rule: Rule, first: datetime, *, limit: int | None = None) -> list[datetime]:
    """The starts of the series whose first event starts at `first`.

    `first` is aware, in the event's zone (a `ZoneInfo`); the results are too.
    `limit` stops early, so a caller can ask for one more than it allows.
    """
    zone = first.tzinfo
    assert isinstance(zone, ZoneInfo), "the first start must carry its ZoneInfo"
    wall = first.replace(tzinfo=None)
    found = islice(_dates(rule, wall.date()), limit)
    return [at_wall_clock(datetime.combine(day, wall.time()), zone) for day in found]


def _dates(rule: Rule, first: date) -> Iterator[date]:
    yielded = 0
    for step in range(MAX_STEPS):
        day: date | None
        if rule.frequency == WEEKLY:
            month_start = day = first + timedelta(weeks=rule.interval * step)
        else:
            year, month = divmod(first.month - 1 + rule.interval * step, 12)
            year, month = first.year + year, month + 1
            month_start = date(year, month, 1)
            day = _day_in_month(rule.monthly_by, first, year, month)
        if rule.until is not None and month_start > rule.until:
            return
        if day is None or (rule.until is not None and day > rule.until):
            continue
        yield day
        yielded += 1
        if rule.count is not None and yielded >= rule.count:
            return


def _day_in_month(by: str, first: date, year: int, month: int) -> date | None:
    """The rule's day in that month, or None when the month has none."""
    length = calendar.monthrange(year, month)[1]
    if by == BY_DATE:
        return date(year, month, first.day) if first.day <= length else None
    if by == BY_LAST_WEEKDAY:
        last = date(year, month, length)
        return last - timedelta(days=(last.weekday() - first.weekday()) % 7)
    # BY_WEEKDAY: the same ordinal (2nd, 5th, ...) of the same weekday.
    offset = (first.weekday() - date(year, month, 1).weekday()) % 7
    day = 1 + offset + 7 * (_ordinal(first) - 1)
    return date(year, month, day) if day <= length else None


def _ordinal(day: date) -> int:
    """1 for the first Tuesday of its month, 2 for the second, ..."""
    return (day.day - 1) // 7 + 1


def is_last_weekday(day: date) -> bool:
    """Whether no later day of the month has the same weekday."""
    return day.day + 7 > calendar.monthrange(day.year, day.month)[1]


def at_wall_clock(wall: datetime, zone: ZoneInfo) -> datetime:
    """`wall` (naive) in `zone`, with the module's rule for skipped times."""
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC).astimezone(zone)


def wall_clock(moment: datetime, zone: ZoneInfo) -> datetime:
    """The naive wall-clock time of `moment` in `zone`."""
    return moment.astimezone(zone).replace(tzinfo=None)


def one_year_after(day: date) -> date:
    """The same date a year later; 28 February for 29 February."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def describe(rule: Rule, first: datetime) -> str:
    """How the series repeats, for a sentence: "every month on the 2nd Tuesday"."""
    local, n = first, rule.interval
    # Django's weekday names (calendar.day_name follows the process locale).
    values = {"count": n, "weekday": WEEKDAYS[local.weekday()]}
    if rule.frequency == WEEKLY:
        text = ngettext(
            "every week on %(weekday)s", "every %(count)s weeks on %(weekday)s", n
        )
    elif rule.monthly_by == BY_DATE:
        values["nth"] = ordinal(local.day)
        text = ngettext(
            "every month on the %(nth)s", "every %(count)s months on the %(nth)s", n
        )
    elif rule.monthly_by == BY_LAST_WEEKDAY:
        text = ngettext(
            "every month on the last %(weekday)s",
            "every %(count)s months on the last %(weekday)s",
            n,
        )
    else:
        values["nth"] = ordinal(_ordinal(local.date()))
        text = ngettext(
            "every month on the %(nth)s %(weekday)s",
            "every %(count)s months on the %(nth)s %(weekday)s",
            n,
        )
    return text % values
