"""Pages of issue #20 on a phone (390 px), with what people really put in them:
long links and venues wrap, and the timetable names every room of each slot."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mailings import services as mail_services
from mailings.models import Mailing
from tests.e2e.steps import sign_in
from tests.factories import (
    RoomFactory,
    ScheduleRunFactory,
    SessionFactory,
    SlotFactory,
    UnconferenceFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
# No hyphen to break at: browsers do not break a line at a slash.
LINK = "https://example.org/" + "/".join(["averylongpathsegment"] * 6)


def _phone(new_page, live_server, person):
    page = new_page(base_url=live_server.url)
    page.set_viewport_size(PHONE)
    sign_in(page, person.email)
    return page


def _sideways(page) -> int:
    width = page.evaluate("document.documentElement.scrollWidth")
    return max(0, width - PHONE["width"])


def _mailing(group, owner, **kwargs):
    body = f"Slides and notes:\n\n{LINK}\n\nSee you there."
    return Mailing.objects.create(
        group=group, audience="members", subject="Notes", body=body, author=owner,
        **kwargs,
    )  # fmt: skip


def test_a_sent_message_wraps_a_long_link(new_page, live_server, group, owner):
    sent = _mailing(group, owner)
    mail_services.mailing_queue(mailing=sent)
    page = _phone(new_page, live_server, owner)

    page.goto(f"/groups/{group.slug}/mailings/{sent.pk}/")

    expect(page.get_by_role("region", name="Message")).to_contain_text(LINK)
    assert _sideways(page) == 0


def test_a_preview_wraps_a_long_link_in_both_parts(new_page, live_server, group, owner):
    draft = _mailing(group, owner)
    page = _phone(new_page, live_server, owner)

    page.goto(f"/groups/{group.slug}/mailings/{draft.pk}/")

    text = page.get_by_role("region", name="As plain text").locator("pre")
    expect(text).to_contain_text(LINK)
    assert text.evaluate("el => el.scrollWidth <= el.clientWidth") is True
    assert _sideways(page) == 0


def test_an_import_preview_wraps_a_long_venue(
    new_page, live_server, group, owner, tmp_path
):
    start = (timezone.now() + timedelta(days=30)).strftime("%Y%m%dT190000Z")
    ics = tmp_path / "meetup.ics"
    ics.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Meetup//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:1@meetup.com\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{start}\r\n"
        f"SUMMARY:Online night\r\nLOCATION:{LINK}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    page = _phone(new_page, live_server, owner)
    page.goto(f"/groups/{group.slug}/events/import/")

    page.get_by_label("Calendar file (.ics)").set_input_files(str(ics))
    page.get_by_role("button", name="Preview the import").click()

    preview = page.get_by_role("region", name="What the file holds")
    expect(preview).to_contain_text("Online night, ")
    expect(preview).to_contain_text(LINK)
    assert _sideways(page) == 0


def test_an_invitation_summary_wraps_a_long_bad_line(
    new_page, live_server, group, owner
):
    bad = "notanaddress" + "x" * 60
    page = _phone(new_page, live_server, owner)
    page.goto(f"/groups/{group.slug}/invite/")

    page.get_by_label("Email addresses").fill(f"new@example.net\n{owner.email}\n{bad}")
    page.get_by_role("button", name="Send invitations").click()

    summary = page.get_by_role("status", name="What happened")
    expect(summary).to_contain_text("Invited: 1")
    expect(summary).to_contain_text("Already members: 1")
    expect(summary).to_contain_text(f"Not valid addresses: 1: {bad}")
    assert _sideways(page) == 0


def _shown(row) -> list[str]:
    """The cells of a timetable row that show, each as its room label (CSS
    generated, as a screen reader reads it too) and its text."""
    return row.locator("td").evaluate_all(
        """cells => cells.filter(td => td.offsetHeight > 0).map(td =>
            getComputedStyle(td, "::before").content.replace(/^"|"$/g, "")
            + td.textContent.trim())"""
    )


def test_the_timetable_names_every_room_of_each_slot(
    new_page, live_server, event, owner
):
    event.end = event.start + timedelta(hours=4)
    event.save()
    unconf = UnconferenceFactory(event=event)
    rooms = [
        RoomFactory(unconference=unconf, name=name, capacity=20)
        for name in ("Big hall", "Small room", "Garden")
    ]
    slots = [SlotFactory(unconference=unconf, n=n) for n in range(2)]
    talk = SessionFactory(unconference=unconf, title="Tokio internals")
    unconf.published_run = ScheduleRunFactory(
        unconference=unconf,
        assignment={str(talk.pk): [slots[1].pk, rooms[2].pk]},
        attendance={str(talk.pk): 2.0},
    )
    unconf.save()
    page = _phone(new_page, live_server, owner)

    page.goto(f"/events/{event.pk}/unconference/timetable/")

    table = page.get_by_role("table", name="Sessions by time and room")
    cards = [_shown(row) for row in table.locator("tbody tr").all()]
    assert cards == [  # rooms by name
        ["Big hall: No session", "Garden: No session", "Small room: No session"],
        ["Big hall: No session", "Garden: Tokio internals", "Small room: No session"],
    ]
    caption = table.locator("caption").bounding_box()
    assert caption["height"] < 30  # one line, not a word a line
    assert _sideways(page) == 0
