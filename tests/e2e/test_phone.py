"""The roulette week in a browser, on a phone (390 px) and on a wide screen,
with and without JavaScript."""

import pytest
from playwright.sync_api import expect

from roulette.models import Participant
from tests.e2e.steps import message, sign_in
from tests.factories import RouletteSettingsFactory

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"]),
]

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 900}


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
