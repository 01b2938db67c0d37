"""Event series through the pages: the "Repeats" form and the feed."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from icalendar import Calendar

from events import services
from events.models import Event, Series
from events.recurrence import Rule
from tests.notifications.helpers import run_sender

BERLIN = ZoneInfo("Europe/Berlin")
MARCH_19 = datetime(2030, 3, 19, 19, 0, tzinfo=BERLIN)  # a Tuesday, before DST


def _walls(events) -> list[str]:
    return [e.start.astimezone(BERLIN).strftime("%a %Y-%m-%d %H:%M") for e in events]


def _create(client, **overrides):
    data = {
        "title": "Hack night", "description": "", "start": "2030-03-19T19:00",
        "end": "2030-03-19T21:00", "timezone": "Europe/Berlin", "venue": "",
        "online_url": "https://meet.example.org/hack", "capacity": "",
        "repeats": "weekly", "interval": "1", "monthly_by": "weekday",
        "until": "", "count": "4",
    }  # fmt: skip
    data.update(overrides)
    return client.post("/groups/rust-berlin/events/new/", data)


def _series(group, owner, *, first=MARCH_19, rule=None):
    rule = rule or Rule("weekly", count=4)
    return services.series_create(
        group=group,
        by=owner,
        rule=rule,
        title="Hack night",
        description="",
        start=first,
        end=first + timedelta(hours=2),
        timezone="Europe/Berlin",
        venue="",
        online_url="https://meet.example.org/hack",
        capacity=None,
    )


def _all():
    return list(Event.objects.order_by("start", "pk"))


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def test_new_event_page_has_a_labelled_repeats_section(owner_client):
    html = owner_client.get("/groups/rust-berlin/events/new/").content.decode()

    assert "<legend>Repeat this event</legend>" in html
    for label in [
        "Repeats",
        "Every how many weeks or months",
        "Last date",
        "Number of events",
    ]:
        assert re.search(rf"<label for=\"id_\w+\">{label}:?</label>", html), label
    assert '<option value="" selected>Does not repeat</option>' in html
    assert "on the last weekday (say, the last Thursday)" in html


def test_weekly_series_makes_one_event_a_week_at_19_00_local(owner_client, group):
    response = _create(owner_client)

    events = _all()
    assert response.url == f"/events/{events[0].pk}/"
    assert _walls(events) == [
        "Tue 2030-03-19 19:00",
        "Tue 2030-03-26 19:00",
        "Tue 2030-04-02 19:00",  # summer time: 17:00 UTC
        "Tue 2030-04-09 19:00",
    ]
    assert [e.end - e.start for e in events] == [timedelta(hours=2)] * 4
    assert len({e.uid for e in events}) == 4
    assert {e.series_id for e in events} == {Series.objects.get().pk}


def test_monthly_on_the_second_tuesday_until_a_date(owner_client):
    _create(
        owner_client,
        start="2030-01-08T19:00",
        end="2030-01-08T21:00",
        repeats="monthly",
        monthly_by="weekday",
        until="2030-04-30",
        count="",
    )

    assert _walls(_all()) == [
        "Tue 2030-01-08 19:00",
        "Tue 2030-02-12 19:00",
        "Tue 2030-03-12 19:00",
        "Tue 2030-04-09 19:00",
    ]


def test_monthly_on_the_last_thursday(owner_client):
    _create(
        owner_client,
        start="2030-01-31T18:30",
        end="2030-01-31T20:00",
        repeats="monthly",
        monthly_by="last_weekday",
        count="3",
    )

    assert _walls(_all()) == [
        "Thu 2030-01-31 18:30",
        "Thu 2030-02-28 18:30",
        "Thu 2030-03-28 18:30",
    ]


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        (
            {"until": "2030-04-30"},
            "until",
            "Give a last date or a number of events, not both.",
        ),
        ({"count": ""}, "until", "Give a last date or a number of events."),
        (
            {"count": "", "until": "2031-03-19"},
            "until",
            "A series has at most 52 events; this one would have more. Choose an "
            "earlier last date.",
        ),
        (
            {"count": "", "until": "2031-03-20"},
            "until",
            "A series ends within a year of its first event: on 2031-03-19 at the "
            "latest.",
        ),
        (
            {"interval": "4", "count": "20"},
            "count",
            "These events would run until 2031-09-02; a series ends within a year "
            "of its first event (by 2031-03-19). Choose fewer events.",
        ),
        (
            {"count": "", "until": "2030-03-18"},
            "until",
            "A series has two events at least: give a later last date.",
        ),
        ({"count": "1"}, "count", "Ensure this value is greater than or equal to 2."),
        ({"count": "53"}, "count", "Ensure this value is less than or equal to 52."),
        (
            {"repeats": ""},
            "repeats",
            "Choose how the event repeats, or leave the last date and the number "
            "of events empty.",
        ),
        (
            {"repeats": "monthly", "monthly_by": ""},
            "monthly_by",
            "Choose which day of the month.",
        ),
        (
            {"repeats": "monthly", "monthly_by": "last_weekday"},
            "monthly_by",
            "Tuesday 19 March is not the last Tuesday of its month: start on the "
            "last one, or choose the same weekday.",
        ),
        (
            {"repeats": "daily"},
            "repeats",
            "Select a valid choice. daily is not one of the available choices.",
        ),
    ],
)
def test_bad_repeats_are_refused_with_a_message(
    owner_client, overrides, field, message
):
    response = _create(owner_client, **overrides)

    assert response.status_code == 200
    assert response.context["repeat_form"].errors == {field: [message]}
    assert (Event.objects.count(), Series.objects.count()) == (0, 0)


def test_a_series_is_announced_once_saying_how_it_repeats(owner_client, member):
    run_sender()
    mail.outbox.clear()

    _create(owner_client)
    run_sender()

    announced = [m for m in mail.outbox if m.subject.startswith("New event")]
    assert sorted(m.to[0] for m in announced) == [
        "mo@example.org",
        "olga@example.org",
    ]
    assert (
        "It repeats every week on Tuesday: 4 events, the last on Tuesday 9 April "
        "2030. Reply to each event on its own page." in announced[0].body
    )


def test_group_feed_has_each_event_of_a_series_with_its_own_uid(client, group, owner):
    events = _series(group, owner)

    body = client.get("/groups/rust-berlin/calendar.ics").content

    vevents = Calendar.from_ical(body).walk("VEVENT")
    assert [str(v["uid"]) for v in vevents] == [e.uid for e in events]
    assert [v["dtstart"].dt for v in vevents] == [e.start for e in events]
    assert b"RRULE" not in body
