"""Owners bring their events along from Meetup, Luma or Google Calendar (.ics)."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from icalendar import Calendar
from icalendar import Event as VEvent

from events.models import Event
from notifications.models import Message

URL = "/groups/rust-berlin/events/import/"
BERLIN = ZoneInfo("Europe/Berlin")
NEXT_YEAR = datetime.now(UTC).year + 1


def _ics(*events: dict) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Meetup//RemoteApi//EN")
    cal.add("version", "2.0")
    for fields in events:
        ve = VEvent()
        for key, value in fields.items():
            ve.add(key, value)
        cal.add_component(ve)
    return cal.to_ical()


MEETUP = {
    "uid": "event_301234567@meetup.com",
    "summary": "Rust & Tell",
    "description": "Lightning talks.\nBring a laptop.",
    "dtstart": datetime(NEXT_YEAR, 3, 12, 19, 0, tzinfo=BERLIN),
    "dtend": datetime(NEXT_YEAR, 3, 12, 21, 0, tzinfo=BERLIN),
    "location": "c-base, Rungestraße 20, Berlin",
}
LUMA = {
    "uid": "evt-abc@lu.ma",
    "summary": "Online study night",
    "dtstart": datetime(NEXT_YEAR, 4, 2, 17, 0, tzinfo=UTC),
    "dtend": datetime(NEXT_YEAR, 4, 2, 18, 30, tzinfo=UTC),
    "url": "https://meet.example.org/study",
}


def _upload(client, data: bytes):
    upload = SimpleUploadedFile("events.ics", data, "text/calendar")
    return client.post(URL, {"ics_file": upload})


def _confirm(client, preview_html: str):
    payload = re.search(r'name="payload" value="([^"]+)"', preview_html).group(1)
    return client.post(URL, {"payload": payload})


def test_owner_previews_then_imports_events_with_their_zones(client, group, owner):
    client.force_login(owner)

    preview = _upload(client, _ics(MEETUP, LUMA)).content.decode()

    assert Event.objects.count() == 0  # a preview stores nothing
    assert "Rust &amp; Tell" in preview
    when = datetime(NEXT_YEAR, 3, 12).strftime("%a")
    assert f"{when} 12 Mar {NEXT_YEAR}, 19:00 (Europe/Berlin)" in preview
    assert ">Import 2 events</button>" in preview

    response = _confirm(client, preview)

    assert response.url == "/groups/rust-berlin/"
    rust, study = Event.objects.order_by("start")
    assert (rust.title, rust.timezone, rust.venue, rust.uid) == (
        "Rust & Tell",
        "Europe/Berlin",
        "c-base, Rungestraße 20, Berlin",
        "event_301234567@meetup.com",
    )
    assert rust.start == datetime(NEXT_YEAR, 3, 12, 18, 0, tzinfo=UTC)
    assert rust.description == "Lightning talks.\nBring a laptop."
    assert (study.timezone, study.online_url) == (
        "UTC",
        "https://meet.example.org/study",
    )
    assert rust.created_by == owner
    # Imported events are not announced: the group already knew them.
    assert not Message.objects.filter(kind="event_announcement").exists()


def test_importing_the_same_file_twice_skips_what_exists(client, group, owner):
    client.force_login(owner)
    _confirm(client, _upload(client, _ics(MEETUP)).content.decode())

    preview = _upload(client, _ics(MEETUP, LUMA)).content.decode()
    _confirm(client, preview)

    assert "Already here: 1" in preview
    assert Event.objects.count() == 2


def test_floating_times_take_the_groups_zone_and_bad_entries_are_listed(
    client, group, owner
):
    floating = {**MEETUP, "uid": "f@x", "dtstart": datetime(NEXT_YEAR, 5, 5, 19, 0),
                "dtend": datetime(NEXT_YEAR, 5, 5, 20, 0)}  # fmt: skip
    backwards = {
        **MEETUP,
        "uid": "b@x",
        "dtend": MEETUP["dtstart"] - timedelta(hours=1),
    }
    far = {**MEETUP, "uid": "far@x", "dtstart": datetime(9999, 1, 1, tzinfo=UTC),
           "dtend": datetime(9999, 1, 2, tzinfo=UTC)}  # fmt: skip
    repeating = {**MEETUP, "uid": "r@x", "rrule": {"freq": "weekly"}}
    client.force_login(owner)

    preview = _upload(
        client, _ics(floating, backwards, far, repeating)
    ).content.decode()
    _confirm(client, preview)

    [event] = Event.objects.all()
    assert (event.uid, event.timezone) == ("f@x", "Europe/Berlin")
    assert event.start == datetime(NEXT_YEAR, 5, 5, 17, 0, tzinfo=UTC)  # CEST
    assert "ends before it starts" in preview
    assert "outside the years this site keeps" in preview
    assert "repeats" in preview


@pytest.mark.parametrize(
    "data,error",
    [
        (b"not a calendar", "This is not an iCalendar (.ics) file."),
        (_ics(), "The file has no events."),
    ],
)
def test_a_bad_file_gets_a_clear_message_and_nothing_is_stored(
    client, group, owner, data, error
):
    client.force_login(owner)

    html = _upload(client, data).content.decode()

    assert error in html
    assert Event.objects.count() == 0


def test_a_tampered_confirmation_is_refused(client, group, owner):
    client.force_login(owner)

    response = client.post(URL, {"payload": "forged"})

    assert "Upload the file again" in response.content.decode()
    assert Event.objects.count() == 0


def test_members_cannot_import(client, group, member):
    client.force_login(member)

    assert client.get(URL).status_code == 403
    assert _upload(client, _ics(MEETUP)).status_code == 403


def test_import_page_is_labelled(client, group, owner):
    client.force_login(owner)

    html = client.get(URL).content.decode()

    assert '<label for="id_ics_file">Calendar file (.ics)' in html
    assert ">Preview the import</button>" in html
