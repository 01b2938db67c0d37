"""Events brought along from an .ics file (Meetup, Luma and Google Calendar export one).

`read_calendar` is pure: it turns the file into `Found` events and the entries
it had to leave out, each with a reason a person can act on. The events keep
their source UID, so a calendar that holds the old event sees the same one,
and a second import of the same file finds them already here.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar

from accounts.models import User, known_timezones
from groups.models import Group

from .models import Event

MAX_FILE_BYTES = 2_000_000
MAX_EVENTS = 500
# Older history than this is not worth a page; later than the event form's
# ten years is a typo. Both keep far from the years 1 and 9999.
YEARS_BACK, YEARS_AHEAD = 20, 10
SIGNING_SALT = "meetings.events.import"
PREVIEW_HOURS = 1


class CalendarFileError(ValueError):
    """The file cannot be read at all; the message is shown to the owner."""


@dataclass(frozen=True)
class Found:
    uid: str
    title: str
    description: str
    start: datetime
    end: datetime
    timezone: str
    venue: str
    online_url: str


@dataclass(frozen=True)
class Skipped:
    title: str
    reason: str


def read_calendar(
    data: bytes, *, default_zone: str
) -> tuple[list[Found], list[Skipped]]:
    """The file's events, and what was left out and why. Raises CalendarFileError."""
    if len(data) > MAX_FILE_BYTES:
        raise CalendarFileError(_("The file is larger than 2 MB."))
    try:
        calendar = Calendar.from_ical(data.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError, IndexError, KeyError) as error:
        raise CalendarFileError(_("This is not an iCalendar (.ics) file.")) from error
    components = [c for c in calendar.walk("VEVENT")]
    if not components:
        raise CalendarFileError(_("The file has no events."))
    if len(components) > MAX_EVENTS:
        raise CalendarFileError(
            _("The file has more than %(limit)s events.") % {"limit": MAX_EVENTS}
        )
    found: list[Found] = []
    skipped: list[Skipped] = []
    for component in components:
        title = _text(component.get("summary")) or "(untitled)"
        try:
            found.append(_event(component, title, default_zone))
        except ValueError as error:
            skipped.append(Skipped(title=title, reason=str(error)))
    return found, skipped


def _event(component, title: str, default_zone: str) -> Found:
    uid = _text(component.get("uid"))
    if not uid or len(uid) > 100:
        raise ValueError(_("it has no usable UID"))
    if component.get("rrule"):
        raise ValueError(_("it repeats (RRULE): create it as a series instead"))
    if _text(component.get("status")).upper() == "CANCELLED":
        raise ValueError(_("it is cancelled"))
    start, zone = _moment(component.get("dtstart"), default_zone)
    if component.get("dtend") is not None:
        end, _zone = _moment(component.get("dtend"), zone)
    elif component.get("duration") is not None:
        end = start + component.decoded("duration")
    else:
        end = start + timedelta(hours=1)
    now = timezone.now()
    low, high = (
        now - timedelta(days=365 * YEARS_BACK),
        now + timedelta(days=365 * YEARS_AHEAD),
    )
    if not (low <= start <= high and low <= end <= high):
        raise ValueError(_("its date is outside the years this site keeps"))
    if end <= start:
        raise ValueError(_("it ends before it starts"))
    url = _text(component.get("url"))
    return Found(
        uid=uid,
        title=_line(title)[:200],
        description=_text(component.get("description"))[:20_000],
        start=start,
        end=end,
        timezone=zone,
        venue=_line(_text(component.get("location")))[:300],
        online_url=url if url.startswith("https://") and len(url) <= 200 else "",
    )


def _moment(prop, default_zone: str) -> tuple[datetime, str]:
    """(aware instant, zone name): the TZID if we know it, UTC for Z times, else
    the group's zone for floating times. All-day dates start at midnight."""
    if prop is None or not hasattr(prop, "dt"):
        raise ValueError(_("it has no start time"))
    value = prop.dt
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if value.tzinfo is None:
        zone = default_zone
        value = value.replace(tzinfo=zoneinfo.ZoneInfo(zone))
    else:
        key = getattr(value.tzinfo, "key", None) or str(value.tzinfo)
        # A zone we do not know by name (Outlook's own VTIMEZONE names) keeps
        # the instant right, shown in UTC.
        zone = key if key in known_timezones() else "UTC"
    return value.astimezone(UTC), zone


def _text(value) -> str:
    return str(value).strip() if value is not None else ""


def _line(text: str) -> str:
    """One line without control characters (they would reach other calendars)."""
    return " ".join("".join(ch for ch in text if ch.isprintable() or ch == " ").split())


# --- preview and import --------------------------------------------------------


def sign_preview(group: Group, found: list[Found]) -> str:
    """What the preview showed, signed, so the confirmation imports exactly that."""
    rows = [
        {**asdict(f), "start": f.start.isoformat(), "end": f.end.isoformat()}
        for f in found
    ]
    return signing.dumps(
        {"group": group.pk, "events": rows}, salt=SIGNING_SALT, compress=True
    )


def read_preview(group: Group, payload: str) -> list[Found] | None:
    """The events of a preview signed for `group` within the hour, else None."""
    try:
        data = signing.loads(payload, salt=SIGNING_SALT, max_age=PREVIEW_HOURS * 3600)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("group") != group.pk:
        return None
    return [
        Found(
            **{
                **row,
                "start": datetime.fromisoformat(row["start"]),
                "end": datetime.fromisoformat(row["end"]),
            }
        )
        for row in data["events"]
    ]


def already_here(found: list[Found]) -> set[str]:
    """UIDs of `found` that an event on this site has (this group's or another's)."""
    uids = [f.uid for f in found]
    return set(Event.objects.filter(uid__in=uids).values_list("uid", flat=True))


def events_import(*, group: Group, by: User, found: list[Found]) -> int:
    """Create the events not already here; returns how many were created.

    No announcement is sent: these are the group's existing events.
    Side effects: Event rows.
    """
    now = timezone.now()
    with transaction.atomic():
        new = [f for f in found if f.uid not in already_here(found)]
        created = Event.objects.bulk_create(
            [
                Event(
                    group=group,
                    created_by=by,
                    updated_by=by,
                    created_at=now,
                    updated_at=now,
                    **asdict(f),
                )
                for f in new
            ],
            ignore_conflicts=True,
        )
    return len(created)
