from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from events.calendar import invitation_ics
from events.models import CalendarFeed
from tests.factories import EventFactory, RsvpFactory, UserFactory


def _parse(body: bytes) -> Calendar:
    return Calendar.from_ical(body)


def test_event_ics_has_every_field(client, event):
    event.description = "**Bring** a laptop"
    event.online_url = "https://meet.example.org/x"
    event.save()

    response = client.get(f"/events/{event.pk}/event.ics")

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    cal = _parse(response.content)
    assert (str(cal["prodid"]), str(cal["version"])) == (
        "-//meetings//meetings calendar//EN",
        "2.0",
    )
    [vevent] = cal.walk("VEVENT")
    assert str(vevent["uid"]) == event.uid
    assert vevent["sequence"] == 0
    assert vevent["dtstamp"].dt.tzinfo is not None
    assert vevent["dtstart"].params["TZID"] == "Europe/Berlin"
    assert vevent["dtstart"].dt == event.start
    assert vevent["dtend"].dt == event.end
    assert str(vevent["summary"]) == "Async Rust night"
    assert str(vevent["description"]).startswith("**Bring** a laptop")
    # The online link is for people attending, as on the event page.
    assert str(vevent["location"]) == "Town hall"
    assert "meet.example.org" not in response.content.decode()
    assert str(vevent["url"]) == f"https://meetings.test/events/{event.pk}/"
    assert str(vevent["status"]) == "CONFIRMED"
    [tz] = cal.walk("VTIMEZONE")
    assert str(tz["tzid"]) == "Europe/Berlin"


def test_cancelled_event_ics_says_cancelled(client, event):
    event.status = "cancelled"
    event.save()

    [vevent] = _parse(client.get(f"/events/{event.pk}/event.ics").content).walk(
        "VEVENT"
    )

    assert str(vevent["status"]) == "CANCELLED"


def test_dst_boundary_event_round_trips_with_right_offset(client, group):
    # 01:30 on the fall-back night in New York, stored as the first (EDT) one.
    event = EventFactory(
        group=group, timezone="America/New_York",
        start=datetime(2030, 11, 3, 5, 30, tzinfo=UTC),
        end=datetime(2030, 11, 3, 7, 30, tzinfo=UTC),
    )  # fmt: skip

    cal = _parse(client.get(f"/events/{event.pk}/event.ics").content)

    [vevent] = cal.walk("VEVENT")
    assert vevent["dtstart"].dt.astimezone(UTC) == datetime(
        2030, 11, 3, 5, 30, tzinfo=UTC
    )
    assert vevent["dtend"].dt.astimezone(UTC) == datetime(
        2030, 11, 3, 7, 30, tzinfo=UTC
    )
    assert [str(t["tzid"]) for t in cal.walk("VTIMEZONE")] == ["America/New_York"]


def test_group_feed_lists_upcoming_and_recent_events(client, group, event):
    from datetime import timedelta

    from django.utils import timezone

    old = EventFactory(group=group, start=timezone.now() - timedelta(days=200),
                       end=timezone.now() - timedelta(days=200, hours=-1))  # fmt: skip
    recent = EventFactory(group=group, start=timezone.now() - timedelta(days=30),
                          end=timezone.now() - timedelta(days=30, hours=-1))  # fmt: skip

    cal = _parse(client.get("/groups/rust-berlin/calendar.ics").content)

    uids = [str(v["uid"]) for v in cal.walk("VEVENT")]
    assert uids == [recent.uid, event.uid]
    assert old.uid not in uids


def test_personal_feed_lists_only_attended_events(client, event, member, group):
    other = EventFactory(group=group)
    RsvpFactory(event=event, user=member, status="attending")
    RsvpFactory(event=other, user=member, status="not_attending")
    client.force_login(member)
    client.post("/calendar/regenerate/")
    feed = CalendarFeed.objects.get(user=member)
    client.logout()

    cal = _parse(client.get(f"/calendar/{feed.token}.ics").content)

    assert [str(v["uid"]) for v in cal.walk("VEVENT")] == [event.uid]


def test_regenerating_the_feed_kills_the_old_address(client, member):
    client.force_login(member)
    client.post("/calendar/regenerate/")
    old = CalendarFeed.objects.get(user=member).token

    client.post("/calendar/regenerate/")

    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert len(CalendarFeed.objects.get(user=member).token) >= 43


def test_unknown_feed_token_is_404(client, db):
    assert client.get("/calendar/not-a-token.ics").status_code == 404


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
def test_invitation_has_method_organizer_and_attendee(event, member, method):
    cal = _parse(invitation_ics(event, attendee=member, method=method))

    assert str(cal["method"]) == method
    [vevent] = cal.walk("VEVENT")
    assert str(vevent["organizer"]).startswith("mailto:")
    attendee = vevent["attendee"]
    assert str(attendee) == "mailto:mo@example.org"
    # ORGANIZER is a no-reply address, so no client may offer to reply to it.
    assert attendee.params.get("RSVP") == ("FALSE" if method == "REQUEST" else None)


@pytest.mark.parametrize("title", ["Party END:VEVENT", "x" * 70 + " END:VEVENT"])
def test_invitation_names_the_attendee_whatever_the_title(group, member, title):
    event = EventFactory(group=group, title=title, venue="END:VEVENT")

    [vevent] = _parse(invitation_ics(event, attendee=member, method="REQUEST")).walk(
        "VEVENT"
    )

    assert (str(vevent["summary"]), str(vevent["attendee"])) == (
        title,
        "mailto:mo@example.org",
    )


def test_group_feed_stamps_each_event_with_its_last_change(client, event, owner):
    from events.services import event_update

    first = _parse(client.get("/groups/rust-berlin/calendar.ics").content)
    event_update(event=event, by=owner, title="Async Rust night, moved", venue="Pub")

    second = _parse(client.get("/groups/rust-berlin/calendar.ics").content)

    [before], [after] = first.walk("VEVENT"), second.walk("VEVENT")
    event.refresh_from_db()
    assert (str(before["summary"]), str(after["summary"])) == (
        "Async Rust night",
        "Async Rust night, moved",
    )
    assert after["dtstamp"].dt == event.updated_at.replace(microsecond=0)
    assert (after["sequence"], str(after["location"])) == (1, "Pub")


def test_online_link_reaches_attendees_calendars_only(client, event, member, group):
    event.online_url = "https://meet.example.org/secret-room"
    event.save()
    outsider = UserFactory(email="out@example.org")
    RsvpFactory(event=event, user=member, status="attending")
    client.force_login(member)
    client.post("/calendar/regenerate/")
    token = CalendarFeed.objects.get(user=member).token

    attending_ics = client.get(f"/events/{event.pk}/event.ics").content.decode()
    personal = client.get(f"/calendar/{token}.ics").content.decode()
    client.force_login(outsider)
    outsider_ics = client.get(f"/events/{event.pk}/event.ics").content.decode()
    client.logout()
    public_ics = client.get(f"/events/{event.pk}/event.ics").content.decode()
    group_feed = client.get(f"/groups/{group.slug}/calendar.ics").content.decode()

    def unfolded(text):
        return text.replace("\r\n ", "")

    assert "meet.example.org/secret-room" in unfolded(attending_ics)
    assert "meet.example.org/secret-room" in unfolded(personal)
    for body in (outsider_ics, public_ics, group_feed):
        assert "meet.example.org" not in unfolded(body)
        assert "The online link is on the event page" in unfolded(body)
