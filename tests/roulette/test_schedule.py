"""Which week an announcement pairs, in the group's time zone."""

from datetime import UTC, datetime

import pytest

from roulette import schedule
from roulette.models import RouletteSettings


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    "now,due",
    [
        ("2026-11-20T08:59", None),  # Friday 09:59 in Berlin: W47 has begun
        ("2026-11-20T09:00", "2026-W48"),  # Friday 10:00 in Berlin
        ("2026-11-22T23:59", "2026-W48"),  # Sunday night UTC: still ahead
        ("2026-11-23T00:00", None),  # W48 has begun; next announcement Friday
    ],
)
def test_friday_announcement_in_berlin_pairs_the_next_week(now, due):
    config = RouletteSettings(announce_weekday=4, announce_hour=10)

    assert schedule.due_week(config, tz="Europe/Berlin", now=at(now)) == due


def test_sunday_evening_in_los_angeles_pairs_the_week_after_next_utc_week():
    # Sunday 29 Nov 20:00 PST is Monday 30 Nov 04:00 UTC: W49 has begun then.
    config = RouletteSettings(announce_weekday=6, announce_hour=20)

    week = schedule.due_week(
        config, tz="America/Los_Angeles", now=at("2026-11-30T05:00")
    )

    assert week == "2026-W50"


def test_upcoming_skips_a_week_already_paired():
    config = RouletteSettings(announce_weekday=4, announce_hour=10)
    now = at("2026-11-21T12:00")

    pending = schedule.upcoming(config, tz="Europe/Berlin", now=now, paired=set())
    after = schedule.upcoming(config, tz="Europe/Berlin", now=now, paired={"2026-W48"})

    assert pending == ("2026-W48", at("2026-11-20T09:00"))
    assert after == ("2026-W49", at("2026-11-27T09:00"))
