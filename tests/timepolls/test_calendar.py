from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from tests.factories import PartyFactory, PollFactory, PollTimeFactory
from timepolls.calendar import invitation_ics


def test_an_agreed_time_in_the_repeated_hour_is_written_in_utc(db):
    # 2027-10-31, the last Sunday of October: 00:30Z is 02:30 CEST, the first
    # of Berlin's two 02:30s. A one-hour meeting ends at 01:30Z, the second.
    start = datetime(2027, 10, 31, 0, 30, tzinfo=UTC)
    poll = PollFactory(timezone="Europe/Berlin", duration_minutes=60)
    poll.agreed_time = PollTimeFactory(poll=poll, start=start)
    poll.save()
    party = PartyFactory(poll=poll)

    body = invitation_ics(poll, parties=[party], answers={}, method="REQUEST")

    assert b"DTSTART:20271031T003000Z\r\nDTEND:20271031T013000Z\r\n" in body
    (vevent,) = Calendar.from_ical(body).walk("VEVENT")
    assert vevent.decoded("dtend") - vevent.decoded("dtstart") == timedelta(hours=1)
