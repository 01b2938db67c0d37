from datetime import UTC, datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from timepolls.times import generate_slots, parse_time, parse_times

NOW = datetime(2030, 1, 10, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2030-05-01T10:00+02:00", datetime(2030, 5, 1, 8, 0, tzinfo=UTC)),
        ("2030-05-01T08:00Z", datetime(2030, 5, 1, 8, 0, tzinfo=UTC)),
        ("2030-05-01T10:00[Europe/Berlin]", datetime(2030, 5, 1, 8, 0, tzinfo=UTC)),
        ("2030-05-01T10:00 Europe/Berlin", datetime(2030, 5, 1, 8, 0, tzinfo=UTC)),
        ("2030-05-01T04:00", datetime(2030, 5, 1, 8, 0, tzinfo=UTC)),
        ("2030-05-01 04:00", datetime(2030, 5, 1, 8, 0, tzinfo=UTC)),
    ],
)
def test_parse_time_reads_offsets_zones_and_default_zone(text, expected):
    assert parse_time(text, default_zone="America/New_York") == expected


def test_parse_time_refuses_a_time_skipped_by_daylight_saving():
    with pytest.raises(ValidationError, match="does not exist in Europe/Berlin"):
        parse_time("2030-03-31T02:30", default_zone="Europe/Berlin")


@pytest.mark.parametrize(
    "text,message",
    [
        ("next tuesday", "is not an ISO 8601 time"),
        ("2030-05-01T10:00[Mars/Olympus]", "is not a known time zone"),
    ],
)
def test_parse_time_explains_bad_input(text, message):
    with pytest.raises(ValidationError, match=message):
        parse_time(text, default_zone="UTC")


@time_machine.travel(NOW, tick=False)
def test_parse_times_sorts_dedupes_and_reports_every_bad_line():
    found = parse_times(
        ["2030-05-01T10:00Z", "", "2030-05-01T12:00+02:00", "2030-05-01T09:00Z"],
        default_zone="UTC",
    )
    with pytest.raises(ValidationError) as error:
        parse_times(["2029-01-01T10:00Z", "soon"], default_zone="UTC")

    assert found == [
        datetime(2030, 5, 1, 9, tzinfo=UTC),
        datetime(2030, 5, 1, 10, tzinfo=UTC),
    ]
    assert len(error.value.messages) == 2
    assert "must be in the future" in error.value.messages[0]


def test_generate_slots_fills_the_window_with_whole_slots():
    start = datetime(2030, 5, 1, 9, 0, tzinfo=UTC)
    end = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)

    slots = generate_slots(
        start=start, end=end, interval_minutes=60, duration_minutes=90
    )

    assert [s.hour for s in slots] == [9, 10]


def test_generate_slots_keeps_even_spacing_across_daylight_saving():
    from zoneinfo import ZoneInfo

    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2030, 3, 31, 1, 0, tzinfo=berlin)
    end = datetime(2030, 3, 31, 5, 0, tzinfo=berlin)

    slots = generate_slots(
        start=start, end=end, interval_minutes=60, duration_minutes=60
    )

    assert [s.astimezone(berlin).hour for s in slots] == [1, 3, 4]


def test_generate_slots_refuses_too_many_times():
    start = datetime(2030, 5, 1, 0, 0, tzinfo=UTC)
    end = datetime(2030, 5, 10, 0, 0, tzinfo=UTC)

    with pytest.raises(ValidationError, match="more than 100 times"):
        generate_slots(start=start, end=end, interval_minutes=30, duration_minutes=30)
