"""Conditional GET of the calendar files: a 304 while nothing changed, a new
body (and tag) after every write that changes one, and nothing private told by
a validator."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import http_date
from icalendar import Calendar

from events.models import CalendarFeed, Event
from events.recurrence import Rule
from events.services import (
    event_cancel,
    event_update,
    event_update_following,
    rsvp_set,
    series_create,
)
from groups.services import membership_leave
from tests.admin_forms import post_change
from tests.factories import EventFactory, RsvpFactory, series_events

GROUP_FEED = "/groups/rust-berlin/calendar.ics"
LINK = "https://meet.example.org/secret-room"


def _uids(response) -> list[str]:
    return [str(v["uid"]) for v in Calendar.from_ical(response.content).walk("VEVENT")]


def _titles(response) -> list[str]:
    cal = Calendar.from_ical(response.content)
    return [str(v["summary"]) for v in cal.walk("VEVENT")]


def _again(client, url: str, first):
    """The same URL asked again with the validator the first answer gave."""
    return client.get(url, headers={"if-none-match": first["ETag"]})


@pytest.fixture
def token(client, member):
    client.force_login(member)
    client.post("/calendar/regenerate/")
    client.logout()
    return CalendarFeed.objects.get(user=member).token


@pytest.fixture
def attending(event, member):
    event.online_url = LINK
    event.save()
    return RsvpFactory(event=event, user=member, status="attending")


# --- the group feed -----------------------------------------------------------


def test_group_feed_is_not_modified_while_nothing_changes(client, event):
    first = client.get(GROUP_FEED)

    again = _again(client, GROUP_FEED, first)

    assert (again.status_code, again.content, again["ETag"]) == (
        304,
        b"",
        first["ETag"],
    )
    assert first["ETag"].startswith('"') and len(first["ETag"]) == 42
    assert first["Cache-Control"] == again["Cache-Control"] == "no-cache"


def test_group_feed_304_costs_two_small_queries(client, event):
    first = client.get(GROUP_FEED)

    with CaptureQueriesContext(connection) as queries:
        _again(client, GROUP_FEED, first)

    assert len(queries) == 2  # the group; the events' keys and change times
    assert "description" not in queries[1]["sql"]


def test_group_feed_changes_when_an_event_is_edited(client, event, owner):
    first = client.get(GROUP_FEED)
    event_update(event=event, by=owner, title="Moved to the pub")

    again = _again(client, GROUP_FEED, first)

    assert (again.status_code, _titles(again)) == (200, ["Moved to the pub"])
    assert again["ETag"] != first["ETag"]


def test_group_feed_changes_when_an_event_is_cancelled(client, event, owner):
    first = client.get(GROUP_FEED)
    event_cancel(event=event, by=owner, message="Venue flooded")

    again = _again(client, GROUP_FEED, first)

    assert again.status_code == 200
    assert b"STATUS:CANCELLED" in again.content


def test_group_feed_changes_when_a_series_gets_dates(client, event, group, owner):
    first = client.get(GROUP_FEED)
    start = timezone.now() + timedelta(days=3)
    series = series_create(
        group=group, by=owner, rule=Rule(frequency="weekly", count=2),
        title="Weekly hack night", start=start, end=start + timedelta(hours=2),
        timezone="Europe/Berlin",
    )  # fmt: skip

    again = _again(client, GROUP_FEED, first)

    assert again.status_code == 200
    assert sorted(_uids(again)) == sorted([event.uid, *(e.uid for e in series)])


def test_group_feed_changes_when_following_dates_move(client, group, owner):
    first_date, *later = series_events(group=group)
    first = client.get(GROUP_FEED)
    event_update_following(event=first_date, by=owner, title="Rust hack night")

    again = _again(client, GROUP_FEED, first)

    assert again.status_code == 200
    assert _titles(again) == ["Rust hack night"] * (1 + len(later))


def test_group_feed_changes_when_the_group_is_renamed(client, event, group):
    first = client.get(GROUP_FEED)
    group.name = "Rust Berlin e.V."
    group.save()

    again = _again(client, GROUP_FEED, first)

    assert again.status_code == 200
    assert b"X-WR-CALNAME:Rust Berlin e.V." in again.content


def test_group_feed_changes_when_an_event_ages_out(client, event):
    first = client.get(GROUP_FEED)

    with time_machine.travel(event.end + timedelta(days=91)):
        again = _again(client, GROUP_FEED, first)

    assert (again.status_code, _uids(again)) == (200, [])


def test_group_feed_changes_when_the_admin_edits_an_event(client, event, staff):
    first = client.get(GROUP_FEED)
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    url = f"/admin/events/event/{event.pk}/change/"

    post_change(client, url, title="Edited in the admin")

    client.logout()
    again = _again(client, GROUP_FEED, first)
    assert (again.status_code, _titles(again)) == (200, ["Edited in the admin"])


def test_group_feed_changes_when_the_admin_deletes_an_event(client, event, group):
    kept = EventFactory(group=group)
    first = client.get(GROUP_FEED)
    Event.objects.filter(pk=event.pk).delete()

    again = _again(client, GROUP_FEED, first)

    assert (again.status_code, _uids(again)) == (200, [kept.uid])


def test_group_feed_has_no_last_modified(client, event):
    assert client.get(GROUP_FEED).has_header("Last-Modified") is False


def test_group_feed_answers_head_with_the_same_validator(client, event):
    first = client.get(GROUP_FEED)

    head = client.head(GROUP_FEED)
    head_again = client.head(GROUP_FEED, headers={"if-none-match": first["ETag"]})

    assert (head.status_code, head["ETag"]) == (200, first["ETag"])
    assert head_again.status_code == 304


# --- the personal feed --------------------------------------------------------


def test_personal_feed_is_not_modified_while_nothing_changes(client, attending, token):
    url = f"/calendar/{token}.ics"
    first = client.get(url)

    again = _again(client, url, first)

    assert (again.status_code, again["ETag"]) == (304, first["ETag"])
    assert again["Cache-Control"] == "no-cache, private"


def test_personal_feed_drops_a_withdrawn_reply(client, attending, token, member):
    url = f"/calendar/{token}.ics"
    first = client.get(url)
    rsvp_set(event=attending.event, user=member, choice="none")

    again = _again(client, url, first)

    assert (again.status_code, _uids(again)) == (200, [])


def test_personal_feed_of_someone_who_left_keeps_no_private_event(
    client, attending, token, member, group
):
    url = f"/calendar/{token}.ics"
    first = client.get(url)
    membership_leave(user=member, group=group)

    again = _again(client, url, first)

    assert (again.status_code, _uids(again)) == (200, [])
    assert LINK not in again.content.decode().replace("\r\n ", "")


def test_personal_feed_changes_when_an_attended_event_changes(
    client, attending, token, owner
):
    url = f"/calendar/{token}.ics"
    first = client.get(url)
    event_update(event=attending.event, by=owner, venue="Pub")

    again = _again(client, url, first)

    assert again.status_code == 200
    assert b"LOCATION:Pub" in again.content


def test_revoked_feed_token_is_404_not_304(client, attending, token, member):
    url = f"/calendar/{token}.ics"
    first = client.get(url)
    client.force_login(member)
    client.post("/calendar/regenerate/")
    client.logout()

    again = _again(client, url, first)

    assert (again.status_code, again.has_header("ETag")) == (404, False)


# --- one event's .ics ---------------------------------------------------------


def _ics(pk: int) -> str:
    return f"/events/{pk}/event.ics"


def test_event_ics_is_not_modified_while_nothing_changes(client, event):
    first = client.get(_ics(event.pk))

    again = _again(client, _ics(event.pk), first)

    assert (again.status_code, again["ETag"]) == (304, first["ETag"])


def test_event_ics_is_the_same_bytes_for_the_same_tag(client, event):
    first = client.get(_ics(event.pk))

    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        later = client.get(_ics(event.pk))

    assert (later["ETag"], later.content) == (first["ETag"], first.content)


def test_event_ics_answers_if_modified_since(client, group):
    an_hour_ago = timezone.now() - timedelta(hours=1)
    event = EventFactory(group=group, updated_at=an_hour_ago)
    first = client.get(_ics(event.pk))

    since = {"if-modified-since": first["Last-Modified"]}
    unchanged = client.get(_ics(event.pk), headers=since)
    half_an_hour_ago = timezone.now() - timedelta(minutes=30)
    Event.objects.filter(pk=event.pk).update(title="New", updated_at=half_an_hour_ago)
    changed = client.get(_ics(event.pk), headers=since)

    assert first["Last-Modified"] == http_date(int(an_hour_ago.timestamp()))
    assert (unchanged.status_code, changed.status_code) == (304, 200)


def test_event_ics_sends_no_last_modified_within_its_second(client, event):
    # A second edit in the same second would keep the date a client holds.
    response = client.get(_ics(event.pk))

    assert (response.status_code, response.has_header("Last-Modified")) == (
        200,
        False,
    )


def test_event_ics_of_an_attendee_is_tagged_apart(client, attending, member):
    public = client.get(_ics(attending.event_id))
    client.force_login(member)

    own = client.get(
        _ics(attending.event_id), headers={"if-none-match": public["ETag"]}
    )

    assert own.status_code == 200
    assert LINK in own.content.decode().replace("\r\n ", "")
    assert own["ETag"] != public["ETag"]
    assert own["Cache-Control"] == "no-cache, private"
    assert own.has_header("Last-Modified") is False


def test_event_ics_tag_of_an_attendee_gets_a_visitor_no_link(client, attending, member):
    client.force_login(member)
    own = client.get(_ics(attending.event_id))
    client.logout()

    visitor = _again(client, _ics(attending.event_id), own)

    assert visitor.status_code == 200
    assert LINK not in visitor.content.decode().replace("\r\n ", "")


def test_event_ics_drops_the_link_when_the_reply_is_withdrawn(
    client, attending, member
):
    client.force_login(member)
    first = client.get(_ics(attending.event_id))
    rsvp_set(event=attending.event, user=member, choice="none")

    again = _again(client, _ics(attending.event_id), first)

    assert again.status_code == 200
    assert LINK not in again.content.decode().replace("\r\n ", "")
