"""Candidate times: reading them (ISO 8601, any zone), generating, formatting.

Accepted forms, one per line or list item:

- with an offset: `2030-05-01T10:00+02:00`, `2030-05-01T08:00Z`
- with a zone: `2030-05-01T10:00[Europe/Berlin]` (RFC 9557) or
  `2030-05-01T10:00 Europe/Berlin`
- without either: `2030-05-01T10:00`, read in the default zone given.

Wall-clock times that do not exist in their zone (skipped by daylight saving
time) are refused; ambiguous ones take the first occurrence.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.formats import get_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import known_timezones

MAX_TIMES = 100
MAX_AHEAD = timedelta(days=3 * 365)


def format_time(moment: datetime, zone_name: str) -> str:
    """`Wed 1 May 2030, 10:00 (Europe/Berlin, UTC+02:00)`: a time shown to people."""
    return "{} {}".format(*format_parts(moment, zone_name))


def format_parts(moment: datetime, zone_name: str) -> tuple[str, str]:
    """`format_time` in two parts, the time and the zone, for a narrow column:
    `("Wed 1 May 2030, 10:00", "(Europe/Berlin, UTC+02:00)")`."""
    local = moment.astimezone(zoneinfo.ZoneInfo(zone_name))
    shown = date_format(local, get_format("SHORT_DATETIME_FORMAT"))
    return shown, f"({zone_name}, UTC{local:%:z})"


def format_iso(moment: datetime, zone_name: str) -> str:
    """`2030-05-01T10:00+02:00`: the form the times box and the API use."""
    local = moment.astimezone(zoneinfo.ZoneInfo(zone_name))
    return local.isoformat(timespec="minutes")


def get_zone(name: str) -> zoneinfo.ZoneInfo:
    if not name or name not in known_timezones():
        raise ValidationError(
            _("“%(zone)s” is not a known time zone."), params={"zone": name}
        )
    return zoneinfo.ZoneInfo(name)


def localize(wall: datetime, zone: zoneinfo.ZoneInfo) -> datetime:
    """Attach `zone` to a wall-clock time, refusing times that do not exist."""
    aware = wall.replace(tzinfo=zone, fold=0)
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall:
        raise ValidationError(
            _(
                "%(time)s does not exist in %(zone)s: the clocks skip that hour "
                "for daylight saving time."
            ),
            params={"time": wall.strftime("%Y-%m-%d %H:%M"), "zone": zone.key},
            code="nonexistent",
        )
    return aware


def parse_time(text: str, *, default_zone: str) -> datetime:
    """One ISO 8601 time as an aware datetime (see the module docstring)."""
    try:
        return _parse_time(text, default_zone=default_zone)
    except OverflowError:
        raise ValidationError(
            _("“%(text)s” is too far from today."),
            params={"text": (text or "").strip()[:60]},
            code="invalid",
        ) from None


def _parse_time(text: str, *, default_zone: str) -> datetime:
    value = (text or "").strip()
    zone_name = ""
    if value.endswith("]") and "[" in value:
        value, _bracket, zone_name = value[:-1].partition("[")
    elif " " in value.strip():
        head, _space, tail = value.rpartition(" ")
        if "/" in tail or tail == "UTC":
            value, zone_name = head, tail
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(
            _("“%(text)s” is not an ISO 8601 time such as 2030-05-01T10:00+02:00."),
            params={"text": text.strip()[:60]},
            code="invalid",
        ) from None
    if zone_name:
        zone = get_zone(zone_name.strip())
        if parsed.tzinfo is not None:
            return parsed.astimezone(zone)
        return localize(parsed, zone)
    if parsed.tzinfo is not None:
        return parsed
    return localize(parsed, get_zone(default_zone))


def check_range(moment: datetime, *, what: str | Promise = "") -> datetime:
    """Refuse past times and times more than three years ahead; `what` names
    the time in the message ("The deadline"), "A time" by default."""
    now = timezone.now()
    what = what or _("A time")
    if moment <= now:
        raise ValidationError(
            _("%(what)s must be in the future (%(time)s is not)."),
            params={"what": what, "time": moment.isoformat()},
            code="past",
        )
    if moment > now + MAX_AHEAD:
        raise ValidationError(
            _("%(what)s must be within three years."), params={"what": what}
        )
    return moment


def parse_times(lines: list[str], *, default_zone: str) -> list[datetime]:
    """Distinct future times in order; every bad line is reported."""
    found: dict[datetime, None] = {}
    errors: list[ValidationError] = []
    for line in lines:
        if not line.strip():
            continue
        try:
            moment = check_range(parse_time(line, default_zone=default_zone))
        except ValidationError as error:
            errors.append(error)
        else:
            found.setdefault(moment.astimezone(UTC).replace(second=0, microsecond=0))
    if errors:
        raise ValidationError(errors)
    if len(found) > MAX_TIMES:
        raise ValidationError(
            _("A poll can have at most %(limit)s times."), params={"limit": MAX_TIMES}
        )
    return sorted(found)


def generate_slots(
    *, start: datetime, end: datetime, interval_minutes: int, duration_minutes: int
) -> list[datetime]:
    """Times from `start`, every `interval_minutes`, that end by `end`.

    The step is real elapsed time, so slots stay evenly spaced across a
    daylight-saving change; both ends are aware datetimes.
    """
    if interval_minutes < 5:
        raise ValidationError(_("The interval must be at least 5 minutes."))
    if end <= start:
        raise ValidationError(_("The window must end after it starts."))
    step = timedelta(minutes=interval_minutes)
    length = timedelta(minutes=duration_minutes)
    slots: list[datetime] = []
    moment = start.astimezone(UTC)
    while moment + length <= end:
        slots.append(moment)
        if len(slots) > MAX_TIMES:
            raise ValidationError(
                _(
                    "That window and interval give more than %(limit)s times; "
                    "choose a shorter window or a longer interval."
                ),
                params={"limit": MAX_TIMES},
            )
        moment += step
    if not slots:
        raise ValidationError(_("No time of that length fits in the window."))
    return slots
