"""The organiser's "Add times" form on a poll's page: rows of a date and a start
time, as on the new-poll page, read in the organiser's zone; the API keeps
taking ISO 8601."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from timepolls import services
from timepolls.audit import Actor
from timepolls.models import AuditEntry

from .conftest import next_week
from .test_api import call
from .test_create import day, in_berlin, rows
from .test_time_rows import typed_rows


def _add(client, poll, *typed, zone="Europe/Berlin", **extra):
    return client.post(
        f"/polls/{poll.pk}/times/add/",
        {"version": poll.version, "timezone": zone, **rows(*typed), **extra},
    )


def _starts(poll) -> list[datetime]:
    return list(poll.times.order_by("start").values_list("start", flat=True))


def _add_section(html: str) -> str:
    return html[html.index('<h2 id="add-heading">') :]


def test_poll_page_offers_a_row_in_the_zone_the_organiser_sees(client, poll, owner):
    poll.parties.filter(is_organiser=True).update(timezone="Asia/Kolkata")
    client.force_login(owner)

    html = _add_section(client.get(f"/polls/{poll.pk}/").content.decode())

    assert typed_rows(html) == [("", "")]
    assert "<legend>Times to add</legend>" in html
    assert '<label for="id_time-0-date">Date:</label>' in html
    assert '<label for="id_time-0-start">Start time:</label>' in html
    assert 'name="timezone" value="Asia/Kolkata"' in html
    assert "lasts 60 minutes, as the poll's times do" in html
    assert ">Add another time</button>" in html
    assert "<textarea" not in html


def test_rows_add_times_read_in_the_chosen_zone(client, poll, owner):
    client.force_login(owner)
    before = _starts(poll)

    response = _add(client, poll, (day(), "18:30"), ("", ""), (day(), "07:00"))

    poll.refresh_from_db()
    assert response.url == f"/polls/{poll.pk}/"
    assert _starts(poll) == sorted(
        [*before, in_berlin(day(), 18, 30), in_berlin(day(), 7)]
    )
    assert poll.version == 2
    entry = AuditEntry.objects.get(action="time_added")
    assert len(entry.detail["times"]) == 2


def test_add_another_time_keeps_what_was_typed_and_stores_nothing(client, poll, owner):
    client.force_login(owner)

    response = _add(
        client, poll, (day(), "18:30"), (day(), "19:00"), zone="Asia/Tokyo",
        add_row="1",
    )  # fmt: skip

    html = _add_section(response.content.decode())
    assert response.status_code == 200
    assert typed_rows(html) == [(day(), "18:30"), (day(), "19:00"), ("", "")]
    assert "<legend>Time 3</legend>" in html
    assert 'name="timezone" value="Asia/Tokyo"' in html
    assert 'class="errorlist' not in html
    assert poll.times.count() == 3
    assert AuditEntry.objects.filter(action="time_added").exists() is False


def test_without_javascript_add_another_time_comes_back_to_the_form(
    client, poll, owner
):
    client.force_login(owner)

    html = client.get(f"/polls/{poll.pk}/").content.decode()

    assert (
        f'id="add-time-row" formaction="/polls/{poll.pk}/times/add/#add-heading">'
        "Add another time</button>"
    ) in html


def _existing_row() -> tuple[str, str]:
    """A row for next week's 08:00 UTC, a time the `poll` fixture has, in Berlin."""
    berlin = next_week(8).astimezone(ZoneInfo("Europe/Berlin"))
    return berlin.date().isoformat(), f"{berlin:%H:%M}"


@pytest.mark.parametrize(
    "typed,errors",
    [
        ((("2001-01-01", "10:00"),), {0: {"date": "This time has passed."}}),
        (((day(), ""),), {0: {"start": "Give a start time for this date."}}),
        (((day(), "25:00"),), {0: {"start": "Enter a valid time."}}),
        (
            ((day(), "18:00"), (day(), "18:00")),
            {1: {"start": "The same time as time 1."}},
        ),
        ((_existing_row(),), {0: {"start": "This time is on the poll already."}}),
        (
            ((day(), "18:00"), _existing_row()),
            {1: {"start": "This time is on the poll already."}},
        ),
    ],
    ids=["past", "no start", "not a time", "twice", "on the poll", "one on the poll"],
)
def test_bad_rows_are_explained_on_their_row_and_add_nothing(
    client, poll, owner, typed, errors
):
    client.force_login(owner)

    response = _add(client, poll, *typed)

    html = response.content.decode().replace("&#x27;", "'")
    found = {
        i: {field: str(errs[0]) for field, errs in form.errors.items()}
        for i, form in enumerate(response.context["add_form"].rows.forms)
        if form.errors
    }
    assert response.status_code == 400
    assert found == errors
    assert "No times were added: see “Add times” below." in html
    for by_field in errors.values():
        assert all(message in _add_section(html) for message in by_field.values())
    assert typed_rows(_add_section(html))[: len(typed)] == list(typed)
    assert poll.times.count() == 3
    assert AuditEntry.objects.filter(action="time_added").exists() is False


def test_no_rows_and_an_unknown_zone_are_refused(client, poll, owner):
    client.force_login(owner)

    empty = _add(client, poll, ("", ""))
    mars = _add(client, poll, (day(), "18:00"), zone="Mars/Olympus")

    assert (empty.status_code, mars.status_code) == (400, 400)
    assert "Give at least one time: a date and a start time." in _add_section(
        empty.content.decode()
    )
    assert "“Mars/Olympus” is not a known time zone." in _add_section(
        mars.content.decode()
    )
    assert poll.times.count() == 3


def test_a_poll_full_of_times_takes_no_more(client, owner):
    start = next_week(0) + timedelta(days=1)
    poll = services.poll_create(
        organiser=owner, actor=Actor(user=owner), title="Busy", duration_minutes=30,
        tz="UTC", times=[start + timedelta(minutes=30 * i) for i in range(99)],
        parties=[services.PartySpec("gus@example.net", "Gus", "UTC")],
    )  # fmt: skip
    client.force_login(owner)

    response = _add(client, poll, (day(), "06:00"), (day(), "07:00"), zone="UTC")

    assert response.status_code == 400
    assert "A poll can have at most 100 times; this one has 99." in (
        response.content.decode()
    )
    assert poll.times.count() == 99


def test_a_party_who_is_not_the_organiser_cannot_add_times(client, poll, member):
    client.force_login(member)

    response = _add(client, poll, (day(), "18:00"))

    assert response.status_code == 403
    assert poll.times.count() == 3


def test_the_api_still_adds_iso_8601_times(client, poll, owner, api_token):
    before = _starts(poll)
    body = {"version": poll.version, "add": [f"{day()}T16:00[Asia/Tokyo]"]}

    response = call(
        client, "patch", f"/api/v1/polls/{poll.pk}/times", api_token(owner), body
    )

    at_seven_utc = datetime.fromisoformat(day()).replace(hour=7, tzinfo=UTC)
    assert response.status_code == 200
    assert _starts(poll) == sorted([*before, at_seven_utc])
