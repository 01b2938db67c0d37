"""The roulette week and the poll's "Add times" rows in a browser, on a phone
(390 px) and on a wide screen, with and without JavaScript."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from roulette.models import Participant
from tests.e2e.steps import message, sign_in
from tests.factories import RouletteSettingsFactory
from timepolls import services as polls
from timepolls.audit import Actor

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"]),
]

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 900}
BERLIN = ZoneInfo("Europe/Berlin")


def _sideways(page) -> int:
    """How many px the page is wider than the screen (0: no sideways scroll)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    return max(0, width - page.viewport_size["width"])


def _roulette_page(new_page, live_server, js, member, viewport):
    page = new_page(base_url=live_server.url, js=js)
    page.set_viewport_size(viewport)
    sign_in(page, member.email)
    page.goto("/groups/rust-berlin/roulette/")
    return page


def _saved_blocks(member) -> frozenset[int]:
    return Participant.objects.get(membership__user=member).blocks


def test_member_ticks_half_hours_day_by_day_on_a_phone(
    new_page, live_server, js, group, member
):
    RouletteSettingsFactory(group=group)
    page = _roulette_page(new_page, live_server, js, member, PHONE)
    tuesday = page.get_by_role("group", name="Tuesday", exact=True)

    tuesday.get_by_text("09:00", exact=True).click()
    tuesday.get_by_role("checkbox", name="Tuesday 09:30–10:00").check()

    box = tuesday.get_by_role("checkbox", name="Tuesday 09:00–09:30")
    box = box.locator("xpath=..").bounding_box()  # its label, the tap target
    monday = page.get_by_role("group", name="Monday", exact=True).bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    assert box["y"] > monday["y"] + monday["height"]  # days one below the other
    expect(page.get_by_text("Click and drag to mark many at once.")).to_be_hidden()
    assert _sideways(page) == 0
    page.get_by_role("button", name="Save availability").click()
    message(page, "Availability saved: 2 free half-hours a week.")
    assert _saved_blocks(member) == frozenset({48 + 18, 48 + 19})


def test_a_phone_jumps_to_a_day(new_page, live_server, js, group, member):
    RouletteSettingsFactory(group=group)
    page = _roulette_page(new_page, live_server, js, member, PHONE)

    page.get_by_role("navigation", name="Days of the week").get_by_role(
        "link", name="Saturday"
    ).click()

    saturday = page.get_by_role("group", name="Saturday", exact=True)
    expect(
        saturday.get_by_role("checkbox", name="Saturday 00:00–00:30")
    ).to_be_in_viewport()


def test_a_wide_screen_shows_the_week_as_a_grid(
    new_page, live_server, js, group, member
):
    RouletteSettingsFactory(group=group)
    page = _roulette_page(new_page, live_server, js, member, WIDE)

    def at(name):
        return page.get_by_role("checkbox", name=name).bounding_box()

    mon_9, tue_9, mon_930 = (
        at("Monday 09:00–09:30"), at("Tuesday 09:00–09:30"), at("Monday 09:30–10:00")
    )  # fmt: skip
    assert abs(mon_9["y"] - tue_9["y"]) < 1 and tue_9["x"] > mon_9["x"]  # a row
    assert abs(mon_9["x"] - mon_930["x"]) < 1 and mon_930["y"] > mon_9["y"]  # a column
    expect(page.get_by_role("navigation", name="Days of the week")).to_be_hidden()
    expect(page.get_by_text("Click and drag to mark many at once.")).to_be_visible(
        visible=js
    )
    assert _sideways(page) == 0


def test_dragging_down_a_column_ticks_each_half_hour(
    new_page, live_server, js, group, member
):
    if not js:
        pytest.skip("dragging is the script's; without it each box is ticked alone")
    RouletteSettingsFactory(group=group)
    page = _roulette_page(new_page, live_server, js, member, WIDE)

    def centre(name):
        box = page.get_by_role("checkbox", name=name).bounding_box()
        return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2

    page.get_by_role(
        "checkbox", name="Wednesday 11:00–11:30"
    ).scroll_into_view_if_needed()
    page.mouse.move(*centre("Wednesday 09:00–09:30"))
    page.mouse.down()
    page.mouse.move(*centre("Wednesday 10:30–11:00"), steps=8)
    page.mouse.up()
    page.get_by_role("button", name="Save availability").click()

    message(page, "Availability saved: 4 free half-hours a week.")
    assert _saved_blocks(member) == frozenset(range(96 + 18, 96 + 22))


def _poll(owner):
    soon = datetime.now(BERLIN).replace(second=0, microsecond=0) + timedelta(days=5)
    return polls.poll_create(
        organiser=owner, actor=Actor(user=owner), title="Planning call",
        duration_minutes=45, tz="Europe/Berlin", times=[soon],
        parties=[polls.PartySpec("gus@example.net", "Gus Guest", "UTC")],
    )  # fmt: skip


def test_organiser_adds_times_as_rows_on_a_phone(new_page, live_server, js, owner):
    owner.timezone = "Europe/Berlin"
    owner.save()
    poll = _poll(owner)
    day = (datetime.now(BERLIN) + timedelta(days=8)).date().isoformat()
    page = new_page(base_url=live_server.url, js=js)
    page.set_viewport_size(PHONE)
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    sign_in(page, owner.email)
    page.goto(poll.get_absolute_url())
    adding = page.get_by_role("region", name="Add times")
    expect(adding.get_by_label("Time zone")).to_have_value("Europe/Berlin")
    first = adding.get_by_role("group", name="Time 1", exact=True)
    first.get_by_label("Date").fill(day)
    first.get_by_label("Start time").fill("18:30")
    typed = len(posts)

    adding.get_by_role("button", name="Add another time").click()

    second = adding.get_by_role("group", name="Time 2", exact=True)
    expect(second.get_by_label("Date")).to_be_in_viewport()
    assert len(posts) - typed == (0 if js else 1)  # instant with JS, a submit without
    expect(first.get_by_label("Start time")).to_have_value("18:30")
    second.get_by_label("Date").fill(day)
    second.get_by_label("Start time").fill("09:15")
    assert _sideways(page) == 0
    adding.get_by_role("button", name="Add these times").click()

    message(page, "The times are added")
    starts = [t.start.astimezone(BERLIN) for t in poll.times.order_by("start")][1:]
    assert [f"{t:%Y-%m-%d %H:%M}" for t in starts] == [f"{day} 09:15", f"{day} 18:30"]
    grid = page.get_by_role("table", name="Each party's answer for each time")
    expect(grid.get_by_role("rowheader")).to_have_count(3)


def test_a_time_already_on_the_poll_is_refused_on_its_row(
    new_page, live_server, js, owner
):
    poll = _poll(owner)
    there = poll.times.get().start.astimezone(BERLIN)
    page = new_page(base_url=live_server.url, js=js)
    page.set_viewport_size(PHONE)
    sign_in(page, owner.email)
    page.goto(poll.get_absolute_url())
    adding = page.get_by_role("region", name="Add times")
    adding.get_by_label("Time zone").fill("Europe/Berlin")
    first = adding.get_by_role("group", name="Time 1", exact=True)
    first.get_by_label("Date").fill(there.date().isoformat())
    first.get_by_label("Start time").fill(f"{there:%H:%M}")

    first.get_by_label("Start time").press("Enter")

    row = page.get_by_role("region", name="Add times").get_by_role(
        "group", name="Time 1", exact=True
    )
    expect(row).to_contain_text("This time is on the poll already.")
    assert poll.times.count() == 1
