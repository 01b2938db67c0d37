"""The dates of a repeating event, on the wall clock of its own time zone."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from events.recurrence import Rule, describe, is_last_weekday, starts

BERLIN = ZoneInfo("Europe/Berlin")


def _local(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def _walls(found: list[datetime]) -> list[str]:
    return [d.astimezone(BERLIN).strftime("%a %Y-%m-%d %H:%M") for d in found]


def test_weekly_keeps_19_00_local_across_the_spring_change_in_berlin():
    found = starts(Rule("weekly", count=3), _local(2030, 3, 19, 19, 0))

    assert found == [
        datetime(2030, 3, 19, 18, 0, tzinfo=UTC),  # CET, UTC+1
        datetime(2030, 3, 26, 18, 0, tzinfo=UTC),
        datetime(2030, 4, 2, 17, 0, tzinfo=UTC),  # CEST, UTC+2
    ]


def test_weekly_keeps_19_00_local_across_the_autumn_change_in_berlin():
    found = starts(Rule("weekly", count=2), _local(2030, 10, 22, 19, 0))

    assert _walls(found) == ["Tue 2030-10-22 19:00", "Tue 2030-10-29 19:00"]
    assert [d.utcoffset() for d in found] != [found[0].utcoffset()] * 2


def test_every_two_weeks():
    found = starts(Rule("weekly", interval=2, count=3), _local(2030, 1, 8, 19, 0))

    assert _walls(found) == [
        "Tue 2030-01-08 19:00",
        "Tue 2030-01-22 19:00",
        "Tue 2030-02-05 19:00",
    ]


def test_monthly_on_the_second_tuesday():
    rule = Rule("monthly", monthly_by="weekday", count=4)

    found = starts(rule, _local(2030, 1, 8, 19, 0))

    assert _walls(found) == [
        "Tue 2030-01-08 19:00",
        "Tue 2030-02-12 19:00",
        "Tue 2030-03-12 19:00",
        "Tue 2030-04-09 19:00",
    ]


def test_monthly_on_the_last_thursday():
    rule = Rule("monthly", monthly_by="last_weekday", count=4)

    found = starts(rule, _local(2030, 1, 31, 18, 30))

    assert _walls(found) == [
        "Thu 2030-01-31 18:30",
        "Thu 2030-02-28 18:30",
        "Thu 2030-03-28 18:30",
        "Thu 2030-04-25 18:30",
    ]


def test_monthly_on_the_31st_skips_shorter_months_without_counting_them():
    rule = Rule("monthly", monthly_by="date", count=4)

    found = starts(rule, _local(2030, 1, 31, 19, 0))

    assert _walls(found) == [
        "Thu 2030-01-31 19:00",
        "Sun 2030-03-31 19:00",
        "Fri 2030-05-31 19:00",
        "Wed 2030-07-31 19:00",
    ]


def test_monthly_on_a_fifth_tuesday_skips_months_without_one():
    rule = Rule("monthly", monthly_by="weekday", count=3)

    found = starts(rule, _local(2030, 1, 29, 19, 0))

    assert _walls(found) == [
        "Tue 2030-01-29 19:00",
        "Tue 2030-04-30 19:00",
        "Tue 2030-07-30 19:00",
    ]


def test_every_three_months_on_the_tenth():
    rule = Rule("monthly", interval=3, monthly_by="date", count=3)

    found = starts(rule, _local(2030, 11, 10, 10, 0))

    assert _walls(found) == [
        "Sun 2030-11-10 10:00",
        "Mon 2031-02-10 10:00",
        "Sat 2031-05-10 10:00",
    ]


def test_until_includes_its_own_date():
    rule = Rule("weekly", until=date(2030, 1, 29))

    found = starts(rule, _local(2030, 1, 8, 19, 0))

    assert _walls(found) == [
        "Tue 2030-01-08 19:00",
        "Tue 2030-01-15 19:00",
        "Tue 2030-01-22 19:00",
        "Tue 2030-01-29 19:00",
    ]


def test_until_is_a_date_in_the_events_zone_not_in_utc():
    # 00:30 in Berlin on the 29th is still the 28th in UTC.
    rule = Rule("weekly", until=date(2030, 1, 29))

    found = starts(rule, _local(2030, 1, 22, 0, 30))

    assert _walls(found) == ["Tue 2030-01-22 00:30", "Tue 2030-01-29 00:30"]


def test_count_stops_before_until_would():
    rule = Rule("weekly", count=2)

    assert len(starts(rule, _local(2030, 1, 8, 19, 0))) == 2


def test_limit_stops_a_long_series_one_past_it():
    rule = Rule("weekly", until=date(2031, 12, 31))

    found = starts(rule, _local(2030, 1, 8, 19, 0), limit=53)

    assert len(found) == 53


def test_a_time_skipped_by_the_clocks_moves_forward_by_the_gap():
    # RFC 5545 3.3.10: a nonexistent local time takes the offset before the gap.
    found = starts(Rule("weekly", count=2), _local(2030, 3, 24, 2, 30))

    assert found[1] == datetime(2030, 3, 31, 1, 30, tzinfo=UTC)
    assert _walls(found)[1] == "Sun 2030-03-31 03:30"


@pytest.mark.parametrize(
    "rule,first,text",
    [
        (Rule("weekly", count=2), (2030, 1, 8), "every week on Tuesday"),
        (Rule("weekly", interval=2, count=2), (2030, 1, 8), "every 2 weeks on Tuesday"),
        (
            Rule("monthly", monthly_by="weekday", count=2),
            (2030, 1, 8),
            "every month on the 2nd Tuesday",
        ),
        (
            Rule("monthly", monthly_by="last_weekday", count=2),
            (2030, 1, 31),
            "every month on the last Thursday",
        ),
        (
            Rule("monthly", interval=3, monthly_by="date", count=2),
            (2030, 1, 31),
            "every 3 months on the 31st",
        ),
        (
            Rule("monthly", monthly_by="date", count=2),
            (2030, 1, 22),
            "every month on the 22nd",
        ),
    ],
)
def test_describe(rule, first, text):
    assert describe(rule, _local(*first, 19, 0)) == text


@pytest.mark.parametrize(
    "day,last", [(date(2030, 1, 31), True), (date(2030, 1, 24), False)]
)
def test_is_last_weekday(day, last):
    assert is_last_weekday(day) is last
