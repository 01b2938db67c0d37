"""When a group's pairs are announced, and for which ISO week.

Owners choose a weekday and hour in the group's time zone. An announcement
pairs people for the first ISO week that starts (Monday 00:00 UTC, see
`pairing.py`) at or after it, so every meeting is still ahead when the email
arrives: Friday 10:00 in Berlin pairs the next Monday-to-Sunday week.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, time, timedelta

from .pairing import iso_week_of, week_bounds, week_start_utc

WEEK = timedelta(weeks=1)


def _announcement_in_week(settings, zone, monday) -> datetime:
    day = monday + timedelta(days=settings.announce_weekday)
    local = datetime.combine(day, time(settings.announce_hour), tzinfo=zone)
    return local.astimezone(UTC)


def last_announcement(settings, *, tz: str, now: datetime) -> datetime:
    """The latest announcement moment (UTC) at or before `now`."""
    zone = zoneinfo.ZoneInfo(tz)
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    moment = _announcement_in_week(settings, zone, monday)
    if moment > now:
        moment = _announcement_in_week(settings, zone, monday - WEEK)
    return moment


def next_announcement(settings, *, tz: str, now: datetime) -> datetime:
    """The first announcement moment (UTC) after `now`."""
    zone = zoneinfo.ZoneInfo(tz)
    last = last_announcement(settings, tz=tz, now=now).astimezone(zone).date()
    return _announcement_in_week(
        settings, zone, last - timedelta(days=last.weekday()) + WEEK
    )


def week_after(moment: datetime) -> str:
    """The first ISO week starting (UTC) at or after `moment`."""
    day = moment.astimezone(UTC).date()
    monday = day - timedelta(days=day.weekday())
    if week_start_utc(iso_week_of(monday)) < moment:
        monday += WEEK
    return iso_week_of(monday)


def due_week(settings, *, tz: str, now: datetime) -> str | None:
    """The week the latest announcement is for, if that week has not begun."""
    week = week_after(last_announcement(settings, tz=tz, now=now))
    return week if week_start_utc(week) > now else None


def upcoming(settings, *, tz: str, now: datetime, paired) -> tuple[str, datetime]:
    """The next week to pair (not in `paired`) and when its pairs are announced.

    Right after an announcement, until the weekly job has run, that is the week
    being announced (the moment is then in the past).
    """
    last = last_announcement(settings, tz=tz, now=now)
    week = week_after(last)
    if week_start_utc(week) > now and week not in paired:
        return week, last
    moment = next_announcement(settings, tz=tz, now=now)
    return week_after(moment), moment


def has_started(iso_week: str, *, now: datetime) -> bool:
    return week_start_utc(iso_week) <= now


def week_dates(iso_week: str) -> tuple:
    """The week's Monday and Sunday (dates), for showing a week to people."""
    monday, next_monday = week_bounds(iso_week)
    return monday, next_monday - timedelta(days=1)
