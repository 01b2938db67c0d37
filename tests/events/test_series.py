"""Event series through the pages: the "Repeats" form, editing one or all
following, cancelling one, the feed, and replying from the group page's card."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from icalendar import Calendar

from events import services
from events.models import Event, Rsvp, Series
from events.recurrence import Rule
from tests.factories import EventFactory, MembershipFactory, UserFactory
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


def _edit(client, event, *, scope, **overrides):
    local = event.start.astimezone(BERLIN)
    data = {
        "title": event.title, "description": event.description,
        "start": f"{local:%Y-%m-%dT%H:%M}",
        "end": f"{event.end.astimezone(BERLIN):%Y-%m-%dT%H:%M}",
        "timezone": event.timezone, "venue": event.venue,
        "online_url": event.online_url, "capacity": event.capacity or "",
        "scope": scope,
    }  # fmt: skip
    data.update(overrides)
    return client.post(f"/events/{event.pk}/edit/", data, follow=True)


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


def test_edit_page_of_a_series_event_asks_which_events_to_change(
    owner_client, group, owner, event
):
    events = _series(group, owner)

    html = owner_client.get(f"/events/{events[1].pk}/edit/").content.decode()
    plain = owner_client.get(f"/events/{event.pk}/edit/").content.decode()

    assert "<legend>Apply the changes to:</legend>" in html
    assert "Only this event</label>" in html
    assert "This and all following events</label>" in html
    assert "following events" not in plain


def test_editing_only_this_event_leaves_the_others(owner_client, group, owner):
    events = _series(group, owner)

    _edit(owner_client, events[1], scope="this", title="Special edition")

    assert [e.title for e in _all()] == [
        "Hack night",
        "Special edition",
        "Hack night",
        "Hack night",
    ]


def test_editing_this_and_following_changes_the_later_events_only(
    owner_client, group, owner
):
    events = _series(group, owner)

    response = _edit(owner_client, events[1], scope="following", venue="c-base")

    assert [e.venue for e in _all()] == ["", "c-base", "c-base", "c-base"]
    assert [e.sequence for e in _all()] == [0, 1, 1, 1]  # calendars show the venue
    assert "This event and 2 following events are saved." in response.text


def test_scope_is_required_for_a_series_event(owner_client, group, owner):
    events = _series(group, owner)

    response = _edit(owner_client, events[1], scope="", venue="c-base")

    assert response.context["scope_form"].errors == {
        "scope": ["This field is required."]
    }
    assert [e.venue for e in _all()] == ["", "", "", ""]


def test_moving_this_and_following_to_20_00_keeps_local_time_and_tells_calendars(
    owner_client, group, owner, member
):
    events = _series(group, owner)
    services.rsvp_set(event=events[3], user=member, choice="attending")
    run_sender()
    mail.outbox.clear()

    _edit(
        owner_client,
        events[1],
        scope="following",
        start="2030-03-26T20:00",
        end="2030-03-26T22:00",
    )

    after = _all()
    assert _walls(after) == [
        "Tue 2030-03-19 19:00",
        "Tue 2030-03-26 20:00",
        "Tue 2030-04-02 20:00",
        "Tue 2030-04-09 20:00",
    ]
    assert [e.sequence for e in after] == [0, 1, 1, 1]
    assert {e.series_id for e in after} == {events[0].series_id}
    run_sender()
    (changed,) = [m for m in mail.outbox if m.to == ["mo@example.org"]]
    (ics,) = [body for body, kind in changed.alternatives if "calendar" in kind]
    (vevent,) = Calendar.from_ical(ics).walk("VEVENT")
    assert (str(vevent["uid"]), int(vevent["sequence"])) == (events[3].uid, 1)
    assert vevent["dtstart"].dt == datetime(2030, 4, 9, 20, 0, tzinfo=BERLIN)


def test_moving_a_monthly_series_to_a_wednesday_moves_the_rest_to_2nd_wednesdays(
    owner_client, group, owner
):
    first = datetime(2030, 1, 8, 19, 0, tzinfo=BERLIN)
    events = _series(
        group, owner, first=first, rule=Rule("monthly", monthly_by="weekday", count=4)
    )

    _edit(
        owner_client,
        events[1],
        scope="following",
        start="2030-02-13T19:00",
        end="2030-02-13T21:00",
    )

    assert _walls(_all()) == [
        "Tue 2030-01-08 19:00",
        "Wed 2030-02-13 19:00",
        "Wed 2030-03-13 19:00",
        "Wed 2030-04-10 19:00",
    ]
    assert Event.objects.get(pk=events[3].pk).series.describe() == (
        "every month on the 2nd Wednesday"
    )


def test_after_moving_the_later_dates_an_earlier_event_still_reaches_them_all(
    owner_client, group, owner
):
    events = _series(group, owner)
    start, end = "2030-03-26T20:00", "2030-03-26T22:00"
    _edit(owner_client, events[1], scope="following", start=start, end=end)

    _edit(owner_client, events[0], scope="following", title="Rust hack night")

    assert [e.title for e in _all()] == ["Rust hack night"] * 4
    assert _walls(_all())[1:] == [
        "Tue 2030-03-26 20:00",
        "Tue 2030-04-02 20:00",
        "Tue 2030-04-09 20:00",
    ]


def test_following_keeps_a_later_events_own_edits_and_skips_cancelled_ones(
    owner_client, group, owner
):
    events = _series(group, owner)
    services.event_update(event=events[2], by=owner, title="Special edition")
    services.event_cancel(event=events[3], by=owner)

    _edit(owner_client, events[1], scope="following", venue="c-base")

    assert [(e.title, e.venue, e.status) for e in _all()] == [
        ("Hack night", "", "scheduled"),
        ("Hack night", "c-base", "scheduled"),
        ("Special edition", "c-base", "scheduled"),
        ("Hack night", "", "cancelled"),
    ]


def test_cancelling_one_event_of_a_series_leaves_the_others(owner_client, group, owner):
    events = _series(group, owner)

    page = owner_client.get(f"/events/{events[1].pk}/cancel/").content.decode()
    owner_client.post(f"/events/{events[1].pk}/cancel/", {"message": "Holiday"})

    assert "Only this date is cancelled" in page
    assert [e.status for e in _all()] == [
        "scheduled",
        "cancelled",
        "scheduled",
        "scheduled",
    ]


def test_group_feed_has_each_event_of_a_series_with_its_own_uid(client, group, owner):
    events = _series(group, owner)

    body = client.get("/groups/rust-berlin/calendar.ics").content

    vevents = Calendar.from_ical(body).walk("VEVENT")
    assert [str(v["uid"]) for v in vevents] == [e.uid for e in events]
    assert [v["dtstart"].dt for v in vevents] == [e.start for e in events]
    assert b"RRULE" not in body


def test_event_page_says_how_the_series_repeats_and_links_the_next_date(
    client, group, owner
):
    events = _series(group, owner)

    html = client.get(f"/events/{events[0].pk}/").content.decode()

    assert (
        "Part of a series that repeats every week on Tuesday. "
        f'<a href="/events/{events[1].pk}/">Next date: Tuesday 26 March 2030, '
        "19:00</a>" in html
    )


RSVP_FORM = re.compile(r'action="/events/(\d+)/rsvp/"')


def test_member_replies_to_the_next_event_of_a_series_from_its_card(
    client, group, owner, member
):
    events = _series(group, owner)
    client.force_login(member)

    before = client.get("/groups/rust-berlin/").content.decode()
    response = client.post(
        f"/events/{events[0].pk}/rsvp/", {"choice": "attending"}, follow=True
    )
    after = client.get("/groups/rust-berlin/").content.decode()

    assert RSVP_FORM.findall(before) == [str(events[0].pk)]
    assert (
        '<button type="submit" name="choice" value="attending">Attend'
        '<span class="visually-hidden"> Hack night, 19 March</span></button>' in before
    )
    assert "Your reply: attending." in response.text
    assert Rsvp.objects.get(user=member).event == events[0]
    assert RSVP_FORM.findall(after) == []
    assert "You replied: <strong>attending</strong>." in after


def test_card_offers_the_next_event_that_still_takes_replies(
    client, group, owner, member
):
    events = _series(group, owner)
    services.event_cancel(event=events[0], by=owner)
    client.force_login(member)

    html = client.get("/groups/rust-berlin/").content.decode()

    assert RSVP_FORM.findall(html) == [str(events[1].pk)]


def test_no_reply_button_on_cards_for_visitors_outsiders_or_single_events(
    client, group, owner, member, charlie
):
    _series(group, owner)
    EventFactory(group=group)
    visitor = client.get("/groups/rust-berlin/").content.decode()
    client.force_login(charlie)
    outsider = client.get("/groups/rust-berlin/").content.decode()
    series_id = Series.objects.get().pk
    Event.objects.filter(series_id=series_id).update(series=None)
    client.force_login(member)
    single = client.get("/groups/rust-berlin/").content.decode()

    assert RSVP_FORM.findall(visitor + outsider + single) == []


@pytest.mark.parametrize("count", [1, 3])
def test_group_page_with_series_has_a_fixed_query_count(
    client, group, owner, member, django_assert_num_queries, count
):
    for n in range(count):
        _series(group, owner, first=MARCH_19 + timedelta(days=n))
        MembershipFactory(group=group, user=UserFactory())
    client.force_login(member)

    # The page's own 8 (owners included) and one for the member's replies.
    with django_assert_num_queries(9):
        client.get("/groups/rust-berlin/")


@pytest.mark.parametrize("count", [1, 3])
def test_series_event_page_has_a_fixed_query_count(
    client, group, owner, member, django_assert_num_queries, count
):
    events = _series(group, owner, rule=Rule("weekly", count=count + 1))
    client.force_login(member)

    # 7, and the comments section's two (its threads and its count).
    with django_assert_num_queries(9):
        client.get(f"/events/{events[0].pk}/")
