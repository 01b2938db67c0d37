"""The parts every iCalendar file of ours is built from (RFC 5545, iTIP RFC 5546).

Events, roulette, polls and the unconference agenda each write their own
calendar (`<app>/calendar.py`), but from these parts, so that the calendar
skeleton, UID/DTSTAMP/SEQUENCE, the times and the ORGANIZER and ATTENDEE
addresses are written one way everywhere. It knows objects only as values:
it imports no app.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, vCalAddress, vText
from icalendar import Event as VEvent

PRODID = "-//meetings//meetings calendar//EN"


def calendar(
    *, method: str | None = None, name: str | None = None, prodid: str = PRODID
) -> Calendar:
    """An empty VCALENDAR: METHOD for an iTIP message, X-WR-CALNAME for a feed."""
    cal = Calendar()
    cal.add("prodid", prodid)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    return cal


def local_or_utc(moment: datetime, zone: tzinfo) -> datetime:
    """The instant in `zone`, or in UTC when that local time is ambiguous.

    In a repeated daylight-saving hour (02:30 happens twice in Berlin on the
    last Sunday of October) a local time with TZID names two instants, and
    calendars take the first; UTC names exactly one.
    """
    local = moment.astimezone(zone)
    twin = local.replace(fold=1 - local.fold)
    if twin.utcoffset() != local.utcoffset():
        return moment.astimezone(UTC)
    return local


def vevent(
    *,
    uid: str,
    start: datetime,
    end: datetime,
    zone: tzinfo,
    sequence: int | None = None,
    stamp: datetime | None = None,
) -> VEvent:
    """A VEVENT with UID, DTSTAMP (now unless `stamp`), SEQUENCE when given,
    and DTSTART/DTEND written by `local_or_utc` in `zone`."""
    ve = VEvent()
    ve.add("uid", uid)
    ve.add("dtstamp", stamp or timezone.now())
    if sequence is not None:
        ve.add("sequence", sequence)
    ve.add("dtstart", local_or_utc(start, zone))
    ve.add("dtend", local_or_utc(end, zone))
    return ve


def noreply_address() -> str:
    """The bare address of DEFAULT_FROM_EMAIL: ORGANIZER when no reply is read."""
    value = settings.DEFAULT_FROM_EMAIL
    return value.split("<", 1)[1].rstrip(">").strip() if "<" in value else value


def organizer(email: str, *, name: str) -> vCalAddress:
    """ORGANIZER;CN=name:mailto:email."""
    address = vCalAddress(f"mailto:{email}")
    address.params["cn"] = vText(name)
    return address


def attendee(
    email: str, *, name: str, partstat: str | None = None, rsvp: bool | None = None
) -> vCalAddress:
    """ATTENDEE;CN;ROLE=REQ-PARTICIPANT, with PARTSTAT and RSVP=TRUE/FALSE when
    given (a CANCEL carries neither)."""
    address = vCalAddress(f"mailto:{email}")
    address.params["cn"] = vText(name)
    address.params["role"] = vText("REQ-PARTICIPANT")
    if partstat is not None:
        address.params["partstat"] = vText(partstat)
    if rsvp is not None:
        address.params["rsvp"] = vText("TRUE" if rsvp else "FALSE")
    return address


def add_timezones(cal: Calendar, *, first: datetime, last: datetime) -> None:
    """A VTIMEZONE for each TZID used, with only the rules in force from a day
    before `first` to a day after `last` (a narrow window keeps them small)."""
    cal.add_missing_timezones(
        first_date=(first - timedelta(days=1)).date(),
        last_date=(last + timedelta(days=1)).date(),
    )
