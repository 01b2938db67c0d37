from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from roulette.calendar import pairing_ics
from tests.factories import PairingFactory, RoundFactory, UserFactory


def test_a_meeting_in_the_repeated_hour_is_written_in_utc(group):
    # 2027-10-31, the last Sunday of October: 02:00-03:00 happens twice in
    # Berlin. 00:30Z is 02:30 CEST and 01:00Z is 02:00 CET: as local times the
    # meeting would end half an hour before it starts.
    start = datetime(2027, 10, 31, 0, 30, tzinfo=UTC)
    people = [UserFactory(name="Ann"), UserFactory(name="Bob")]
    pairing = PairingFactory(
        round=RoundFactory(group=group, iso_week="2027-W43"),
        start=start, end=start + timedelta(minutes=30), people=people,
    )  # fmt: skip

    body = pairing_ics(
        pairing=pairing, people=people, tz="Europe/Berlin", method="REQUEST"
    )

    assert b"DTSTART:20271031T003000Z\r\nDTEND:20271031T010000Z\r\n" in body
    (vevent,) = Calendar.from_ical(body).walk("VEVENT")
    assert (vevent.decoded("dtstart"), vevent.decoded("dtend")) == (
        pairing.start, pairing.end,
    )  # fmt: skip


def test_invitations_ask_for_no_reply_to_the_no_reply_organizer(group):
    start = datetime(2027, 6, 1, 10, 0, tzinfo=UTC)
    people = [UserFactory(name="Ann"), UserFactory(name="Bob")]
    pairing = PairingFactory(
        round=RoundFactory(group=group, iso_week="2027-W22"),
        start=start, end=start + timedelta(minutes=30), people=people,
    )  # fmt: skip

    body = pairing_ics(
        pairing=pairing, people=people, tz="Europe/Berlin", method="REQUEST"
    )

    (vevent,) = Calendar.from_ical(body).walk("VEVENT")
    assert str(vevent["organizer"]).startswith("mailto:noreply")
    assert [a.params["rsvp"] for a in vevent["attendee"]] == ["FALSE", "FALSE"]
