"""Conditional GET of a person's agenda (.ics and feed): a 304 while it is the
same agenda, the new one after any change of what it shows."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from icalendar import Calendar

from events.models import CalendarFeed
from tests.factories import InterestFactory, SessionFactory
from tests.unconference.test_pages import _publish, _url
from unconference.services import interest_set


def _summaries(response) -> list[str]:
    cal = Calendar.from_ical(response.content)
    return [str(v["summary"]) for v in cal.walk("VEVENT")]


def _again(client, url: str, first):
    return client.get(url, headers={"if-none-match": first["ETag"]})


@pytest.fixture
def talks(unconf, attendee):
    """Two talks in the first two slots; the attendee wants to hear the first."""
    first = SessionFactory(unconference=unconf, title="Pinned talk")
    second = SessionFactory(unconference=unconf, title="Other talk")
    InterestFactory(session=first, user=attendee, level="yes")
    _publish(unconf, [first, second])
    return first, second


@pytest.fixture
def signed_in(client, attendee):
    client.force_login(attendee)
    return client


def test_agenda_ics_is_not_modified_while_it_is_the_same(signed_in, unconf, talks):
    url = _url(unconf.event, "agenda.ics")
    first = signed_in.get(url)

    again = _again(signed_in, url, first)

    assert (again.status_code, again["ETag"]) == (304, first["ETag"])
    assert again["Cache-Control"] == "no-cache, private"


def test_agenda_ics_is_the_same_bytes_each_time(signed_in, unconf, talks):
    url = _url(unconf.event, "agenda.ics")
    first = signed_in.get(url)

    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        later = signed_in.get(url)

    assert (later["ETag"], later.content) == (first["ETag"], first.content)


def test_agenda_ics_follows_a_renamed_room(signed_in, unconf, talks):
    url = _url(unconf.event, "agenda.ics")
    first = signed_in.get(url)
    unconf.rooms.filter(name="Big hall").update(name="Main hall")

    again = _again(signed_in, url, first)

    assert again.status_code == 200
    assert b"LOCATION:Main hall" in again.content


def test_agenda_ics_follows_the_person_s_interest(signed_in, unconf, talks, attendee):
    url = _url(unconf.event, "agenda.ics")
    first = signed_in.get(url)
    interest_set(unconference=unconf, user=attendee, levels={talks[1].pk: "very"})

    again = _again(signed_in, url, first)

    assert (again.status_code, _summaries(again)) == (
        200,
        ["Pinned talk", "Other talk"],
    )


def test_agenda_feed_with_a_revoked_token_is_404_not_304(
    signed_in, unconf, talks, attendee
):
    signed_in.post("/calendar/regenerate/")
    token = CalendarFeed.objects.get(user=attendee).token
    url = f"/calendar/{token}/unconference-{unconf.event.pk}.ics"
    first = signed_in.get(url)
    signed_in.post("/calendar/regenerate/")

    again = _again(signed_in, url, first)

    assert (first.status_code, again.status_code) == (200, 404)
