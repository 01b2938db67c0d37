"""The new-poll page's rows of times: a date and a start time each, read in the
poll's zone; "Add another time" and the window helper re-render, storing nothing."""

import re
from datetime import UTC, datetime

import pytest
import time_machine

from timepolls.models import Poll

from .test_create import _form, day, in_berlin, rows


def typed_rows(html: str) -> list[tuple[str, str]]:
    """(date, start time) of each row of the form as the page fills it in."""
    found: dict[int, dict[str, str]] = {}
    for index, part, value in re.findall(
        r'name="time-(\d+)-(date|start)"(?: value="([^"]*)")?', html
    ):
        found.setdefault(int(index), {})[part] = value
    return [(found[i]["date"], found[i]["start"]) for i in sorted(found)]


def test_new_poll_page_offers_three_empty_labelled_rows(client, owner):
    client.force_login(owner)

    html = client.get("/polls/new/").content.decode()

    assert typed_rows(html) == [("", "")] * 3
    for n, index in [(1, 0), (2, 1), (3, 2)]:
        assert f"<legend>Time {n}</legend>" in html
        assert f'<label for="id_time-{index}-date">Date:</label>' in html
        assert f'<label for="id_time-{index}-start">Start time:</label>' in html
    assert html.count('type="date"') == html.count('type="time"') == 4  # + template
    assert (
        '<button type="submit" name="add_row" value="1" class="secondary" '
        'id="add-time-row">Add another time</button>'
    ) in html


def test_add_another_time_keeps_what_was_typed_and_stores_nothing(client, owner):
    client.force_login(owner)

    response = client.post("/polls/new/", _form(add_row="1"))

    html = response.content.decode()
    assert response.status_code == 200
    assert typed_rows(html) == [(day(), "10:00"), ("", ""), (day(), "12:30"), ("", "")]
    assert "<legend>Time 4</legend>" in html
    assert 'value="Board meeting"' in html and "vera@example.com" in html
    assert 'class="errorlist' not in html
    assert Poll.objects.exists() is False


def test_rows_are_read_in_the_chosen_zone(client, owner):
    client.force_login(owner)

    client.post("/polls/new/", _form(timezone="Asia/Tokyo", **rows((day(), "09:15"))))

    [time] = Poll.objects.get().times.all()
    local = datetime.fromisoformat(day()).replace(hour=0, minute=15, tzinfo=UTC)
    assert time.start == local


@pytest.mark.parametrize(
    "typed,errors",
    [
        ((("2001-01-01", "10:00"),), {0: {"date": ["This time has passed."]}}),
        ((("2099-01-01", "10:00"),), {0: {"date": ["must be within three years"]}}),
        (((day(), ""),), {0: {"start": ["Give a start time for this date."]}}),
        ((("", "10:00"),), {0: {"date": ["Give a date for this start time."]}}),
        (
            ((day(), "10:00"), ("", ""), (day(), "10:00")),
            {2: {"start": ["The same time as time 1."]}},
        ),
        (((day(), "25:00"),), {0: {"start": ["Enter a valid time."]}}),
    ],
    ids=["past", "far", "no start", "no date", "duplicate", "not a time"],
)
def test_bad_rows_are_explained_on_their_row(client, owner, typed, errors):
    client.force_login(owner)

    response = client.post("/polls/new/", _form(**rows(*typed)))

    html = response.content.decode()
    formset = response.context["rows"]
    found = {
        i: {field: [str(e) for e in errs] for field, errs in form.errors.items()}
        for i, form in enumerate(formset.forms)
        if form.errors
    }
    assert response.status_code == 400
    assert found.keys() == errors.keys()
    for i, by_field in errors.items():
        assert found[i].keys() == by_field.keys()
        for field, [expected] in by_field.items():
            assert expected in found[i][field][0]
            assert found[i][field][0] in html.replace("&#x27;", "'")
    assert typed_rows(html)[: len(typed)] == list(typed)
    assert Poll.objects.exists() is False


def test_a_poll_needs_at_least_one_time(client, owner):
    client.force_login(owner)

    response = client.post("/polls/new/", _form(**rows(("", ""), ("", ""))))

    assert response.status_code == 400
    assert "Give at least one time: a date and a start time." in (
        response.content.decode()
    )
    assert Poll.objects.exists() is False


@time_machine.travel(datetime(2030, 1, 10, 12, 0, tzinfo=UTC), tick=False)
def test_a_time_the_clocks_skip_is_refused(client, owner):
    client.force_login(owner)

    response = client.post("/polls/new/", _form(**rows(("2030-03-31", "02:30"))))

    assert response.context["rows"].forms[0].errors == {
        "start": [
            "2030-03-31 02:30 does not exist in Europe/Berlin: the clocks skip "
            "that hour for daylight saving time."
        ]
    }
    assert Poll.objects.exists() is False


@time_machine.travel(datetime(2030, 1, 10, 12, 0, tzinfo=UTC), tick=False)
def test_a_time_that_happens_twice_is_the_first_one(client, owner):
    client.force_login(owner)

    client.post("/polls/new/", _form(**rows(("2030-10-27", "02:30"))))

    [time] = Poll.objects.get().times.all()
    assert time.start == datetime(2030, 10, 27, 0, 30, tzinfo=UTC)  # still UTC+2


def test_the_page_says_how_daylight_saving_is_handled(client, owner):
    client.force_login(owner)

    html = client.get("/polls/new/").content.decode()

    assert (
        "A time the clocks skip when daylight saving time starts is refused; "
        "a time that happens twice when it ends means the first one."
    ) in html


def test_generate_adds_the_window_as_rows_and_creates_nothing(client, owner):
    client.force_login(owner)
    typed = rows((day(), "08:00"), ("", ""))

    response = client.post(
        "/polls/new/",
        _form(**typed, generate="1", window_start=f"{day()}T09:00",
              window_end=f"{day()}T12:00", interval="60", duration_minutes="60"),
    )  # fmt: skip

    assert response.status_code == 200
    assert typed_rows(response.content.decode()) == [
        (day(), "08:00"),
        (day(), "09:00"),
        (day(), "10:00"),
        (day(), "11:00"),
        ("", ""),
    ]
    assert Poll.objects.exists() is False


def test_generated_rows_make_the_poll(client, owner):
    client.force_login(owner)
    generated = typed_rows(
        client.post(
            "/polls/new/",
            _form(**rows(), generate="1", window_start=f"{day()}T09:00",
                  window_end=f"{day()}T11:00", interval="60"),
        ).content.decode()
    )  # fmt: skip

    client.post("/polls/new/", _form(**rows(*generated)))

    assert [t.start for t in Poll.objects.get().times.order_by("start")] == [
        in_berlin(day(), 9),
        in_berlin(day(), 10),
    ]


def test_send_now_checkbox_sits_inside_its_label(client, owner):
    client.force_login(owner)

    html = client.get("/polls/new/").content.decode()

    assert (
        '<label class="check"><input type="checkbox" name="send_now" id="id_send_now"'
        " checked> Email the private links now</label>"
    ) in html


def test_deadline_comes_from_a_date_and_time_picker_in_the_zone(client, owner):
    client.force_login(owner)

    html = client.get("/polls/new/").content.decode()
    client.post("/polls/new/", _form(deadline=f"{day()}T08:00"))

    assert '<input type="datetime-local" name="deadline"' in html
    assert Poll.objects.get().deadline == in_berlin(day(), 8)
