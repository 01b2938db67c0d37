"""The shared iCalendar parts (notifications/ical.py) every app's calendar uses."""

import zoneinfo
from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from notifications import ical

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def _ics(*, method=None, name=None, start, end, **vevent) -> bytes:
    cal = ical.calendar(method=method, name=name)
    cal.add_component(ical.vevent(start=start, end=end, zone=BERLIN, **vevent))
    ical.add_timezones(cal, first=start, last=end)
    return cal.to_ical()


def test_the_calendar_skeleton_names_us_and_its_method():
    start = datetime(2027, 6, 1, 16, 0, tzinfo=UTC)

    lines = _ics(method="CANCEL", start=start, end=start, uid="x@m").splitlines()

    assert lines[:5] == [
        b"BEGIN:VCALENDAR",
        b"VERSION:2.0",
        b"PRODID:-//meetings//meetings calendar//EN",
        b"CALSCALE:GREGORIAN",
        b"METHOD:CANCEL",
    ]
    assert b"X-WR-CALNAME:Feed" in _ics(name="Feed", start=start, end=start, uid="x")


def test_a_vevent_has_uid_stamp_sequence_and_local_times_with_their_zone():
    start = datetime(2027, 6, 1, 16, 0, tzinfo=UTC)
    stamp = datetime(2027, 5, 1, 9, 0, tzinfo=UTC)

    body = _ics(start=start, end=start + timedelta(hours=2), uid="u@m",
                sequence=3, stamp=stamp)  # fmt: skip

    assert b"DTSTART;TZID=Europe/Berlin:20270601T180000\r\n" in body
    assert b"DTEND;TZID=Europe/Berlin:20270601T200000\r\n" in body
    assert b"BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n" in body
    (vevent,) = Calendar.from_ical(body).walk("VEVENT")
    assert (str(vevent["uid"]), vevent["sequence"]) == ("u@m", 3)
    assert vevent.decoded("dtstamp") == stamp
    assert vevent.decoded("dtend") - vevent.decoded("dtstart") == timedelta(hours=2)


def test_an_instant_in_the_repeated_hour_is_written_in_utc():
    # 2027-10-31 in Berlin: 02:00-03:00 happens twice, 00:30Z and 01:30Z are
    # both 02:30 on the wall. 03:30 local is after the change: one instant.
    first, second = (datetime(2027, 10, 31, h, 30, tzinfo=UTC) for h in (0, 1))

    assert ical.local_or_utc(first, BERLIN) == first
    assert ical.local_or_utc(first, BERLIN).tzinfo is UTC
    assert ical.local_or_utc(second, BERLIN).tzinfo is UTC
    after = ical.local_or_utc(second + timedelta(hours=1), BERLIN)
    assert (after.tzinfo, after.hour) == (BERLIN, 3)
    body = _ics(start=first, end=second, uid="u")
    assert b"DTSTART:20271031T003000Z\r\nDTEND:20271031T013000Z\r\n" in body
    assert b"VTIMEZONE" not in body  # no TZID left to describe


def test_organizer_and_attendee_addresses():
    start = datetime(2027, 6, 1, 16, 0, tzinfo=UTC)
    cal = ical.calendar()
    ve = ical.vevent(uid="u", start=start, end=start, zone=UTC)
    ve.add("organizer", ical.organizer("noreply@example.org", name="Rust Berlin"))
    ve.add(
        "attendee",
        ical.attendee("ada@example.org", name="Ada", partstat="ACCEPTED", rsvp=False),
    )
    ve.add(
        "attendee",
        ical.attendee("bo@example.org", name="Bo", partstat="NEEDS-ACTION", rsvp=True),
    )
    ve.add("attendee", ical.attendee("cy@example.org", name="Cy"))
    cal.add_component(ve)

    body = cal.to_ical().replace(b"\r\n ", b"")  # unfolded

    assert b'ORGANIZER;CN="Rust Berlin":mailto:noreply@example.org\r\n' in body
    assert (
        b"ATTENDEE;CN=Ada;PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT;RSVP=FALSE:"
        b"mailto:ada@example.org\r\n"
    ) in body
    assert b";RSVP=TRUE:mailto:bo@example.org\r\n" in body
    assert b"ATTENDEE;CN=Cy;ROLE=REQ-PARTICIPANT:mailto:cy@example.org\r\n" in body


def test_the_no_reply_address_is_the_bare_sender(settings):
    settings.DEFAULT_FROM_EMAIL = "Meetings <noreply@example.org>"
    assert ical.noreply_address() == "noreply@example.org"
    settings.DEFAULT_FROM_EMAIL = "noreply@example.org"
    assert ical.noreply_address() == "noreply@example.org"
