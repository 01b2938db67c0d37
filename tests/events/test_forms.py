from datetime import UTC, datetime, timedelta

import pytest

from events.models import Event


def _post(client, slug="rust-berlin", **overrides):
    data = {
        "title": "Spring meetup", "description": "", "start": "2030-03-10T18:00",
        "end": "2030-03-10T20:00", "timezone": "America/New_York", "venue": "Hall",
        "online_url": "", "capacity": "",
    }  # fmt: skip
    data.update(overrides)
    return client.post(f"/groups/{slug}/events/new/", data)


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def test_owner_creates_event_stored_in_utc(owner_client, group):
    response = _post(owner_client)

    event = Event.objects.get()
    assert response.url == f"/events/{event.pk}/"
    assert event.start == datetime(2030, 3, 10, 22, 0, tzinfo=UTC)  # EDT, UTC-4
    assert (event.timezone, event.sequence, event.uid.endswith("@meetings")) == (
        "America/New_York", 0, True,
    )  # fmt: skip


def test_time_that_does_not_exist_on_spring_forward_night_is_refused(
    owner_client, group
):
    response = _post(owner_client, start="2030-03-10T02:30", end="2030-03-10T04:00")

    errors = response.context["form"].errors["start"]
    assert errors == [
        "2030-03-10 02:30 does not exist in America/New_York: the clocks skip "
        "that hour for daylight saving time."
    ]
    assert Event.objects.count() == 0


def test_fall_back_time_is_stored_unambiguously_as_first_occurrence(
    owner_client, group
):
    _post(owner_client, start="2030-11-03T01:30", end="2030-11-03T03:00")

    event = Event.objects.get()
    assert event.start == datetime(2030, 11, 3, 5, 30, tzinfo=UTC)  # 01:30 EDT


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        ({"end": "2030-03-10T17:00"}, "end", "The end must be after the start."),
        (
            {"start": "2026-01-01T10:00", "end": "2026-01-01T12:00"},
            "start",
            "The start must be in the future.",
        ),
        (
            {"timezone": "Mars/Base"},
            "timezone",
            "“Mars/Base” is not a known time zone.",
        ),
        (
            {"capacity": "0"},
            "capacity",
            "Ensure this value is greater than or equal to 1.",
        ),
        (
            {"venue": "", "online_url": ""},
            "venue",
            "Give a venue, an online link, or both.",
        ),
    ],
)
def test_create_form_errors(owner_client, group, overrides, field, message):
    response = _post(owner_client, **overrides)

    assert response.context["form"].errors[field] == [message]
    assert Event.objects.count() == 0


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"end": "9999-12-31T23:59"}, "end"),
        ({"start": "0001-01-01T00:00", "timezone": "Asia/Tokyo"}, "start"),
        ({"start": "4000-01-01T10:00", "end": "4000-01-01T12:00"}, "start"),
    ],
)
def test_create_form_refuses_times_beyond_the_sane_range(
    owner_client, group, overrides, field
):
    response = _post(owner_client, **overrides)

    [message] = response.context["form"].errors[field]
    assert message.startswith(f"The {field} must be ")
    assert Event.objects.count() == 0


def test_edit_form_refuses_a_start_in_year_one(client, owner, event):
    client.force_login(owner)

    response = client.post(f"/events/{event.pk}/edit/", {
        "title": event.title, "description": "", "timezone": "Asia/Tokyo",
        "start": "0001-01-01T09:30", "end": event.local_end.strftime("%Y-%m-%dT%H:%M"),
        "venue": "Town hall", "online_url": "", "capacity": "",
    })  # fmt: skip

    [message] = response.context["form"].errors["start"]
    assert message.startswith("The start must be after ")
    event.refresh_from_db()
    assert event.start.year == event.end.year


@pytest.mark.parametrize(
    "field,value",
    [
        ("title", "Spring\x1b[31m meetup"),
        ("title", "Spring\nmeetup"),
        ("venue", "Hall\x07"),
        ("online_url", "https://meet.example.org/\x1b[0m"),
        ("description", "Agenda\x1b[2J"),
    ],
)
def test_create_form_refuses_control_characters(owner_client, group, field, value):
    response = _post(owner_client, **{field: value})

    [message] = response.context["form"].errors[field]
    assert "not allowed" in message or message == "Enter a valid URL."
    assert Event.objects.count() == 0


def test_create_form_keeps_line_breaks_in_the_description(owner_client, group):
    _post(owner_client, description="Agenda:\r\n\t- talks")

    assert Event.objects.get().description == "Agenda:\r\n\t- talks"


def test_member_cannot_create_events(client, group, member):
    client.force_login(member)

    assert _post(client).status_code == 403
    assert Event.objects.count() == 0


def test_editing_time_raises_sequence(client, owner, event):
    client.force_login(owner)
    hour = timedelta(hours=1)

    client.post(f"/events/{event.pk}/edit/", {
        "title": event.title, "description": "", "timezone": event.timezone,
        "start": (event.local_start + hour).strftime("%Y-%m-%dT%H:%M"),
        "end": (event.local_end + hour).strftime("%Y-%m-%dT%H:%M"),
        "venue": "Town hall", "online_url": "", "capacity": "",
    })  # fmt: skip

    event.refresh_from_db()
    assert event.sequence == 1


def test_editing_title_raises_sequence(client, owner, event):
    client.force_login(owner)

    client.post(f"/events/{event.pk}/edit/", {
        "title": "New title", "description": "", "timezone": event.timezone,
        "start": event.local_start.strftime("%Y-%m-%dT%H:%M"),
        "end": event.local_end.strftime("%Y-%m-%dT%H:%M"),
        "venue": "Town hall", "online_url": "", "capacity": "",
    })  # fmt: skip

    event.refresh_from_db()
    assert (event.title, event.sequence) == ("New title", 1)


def test_editing_a_past_event_is_refused(client, owner, group):
    from django.utils import timezone

    from tests.factories import EventFactory

    past = EventFactory(group=group, start=timezone.now() - timedelta(days=1),
                        end=timezone.now() - timedelta(hours=20))  # fmt: skip
    client.force_login(owner)

    response = client.post(
        f"/events/{past.pk}/edit/", {"title": "Changed"}, follow=True
    )

    assert "Past and cancelled events cannot be edited." in response.content.decode()
    past.refresh_from_db()
    assert past.title != "Changed"


def test_cancel_keeps_event_visible_marked_cancelled(client, owner, event):
    client.force_login(owner)

    client.post(f"/events/{event.pk}/cancel/", {"message": "Venue flooded"})
    html = client.get(f"/events/{event.pk}/").content.decode()

    event.refresh_from_db()
    assert (event.status, event.sequence, event.cancel_message) == (
        "cancelled",
        1,
        "Venue flooded",
    )
    assert "Cancelled" in html and "Venue flooded" in html


def test_duplicate_prefills_a_week_later(client, owner, event):
    client.force_login(owner)

    response = client.get(f"/events/{event.pk}/duplicate/", follow=True)

    form = response.context["form"]
    assert form.initial["title"] == event.title
    assert form.initial["start"] == (
        event.local_start.replace(tzinfo=None)
        + __import__("datetime").timedelta(days=7)
    )
