"""What people write keeps its own direction on a page in the other one.

An English event title or paragraph on a Hebrew page (right to left) reads
left to right, its full stop at its end; a Hebrew paragraph stays right to
left. Measured where Chromium draws the first and the last character.
"""

import pytest

from tests.factories import EventFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HEBREW = "נתראה בערב."

# Where the character at `index` of the element's first text node is drawn.
_LEFT_OF = """([element, index]) => {
    const text = element.firstChild, range = document.createRange();
    range.setStart(text, index);
    range.setEnd(text, index + 1);
    return range.getBoundingClientRect().left;
}"""


def _reads_left_to_right(locator) -> bool:
    text = locator.evaluate("element => element.firstChild.textContent")
    last = len(text.rstrip()) - 1
    first = locator.page.evaluate(_LEFT_OF, [locator.element_handle(), 0])
    end = locator.page.evaluate(_LEFT_OF, [locator.element_handle(), last])
    return end > first


def test_english_on_a_hebrew_page_keeps_its_full_stop_at_its_end(
    new_page, live_server, group
):
    event = EventFactory(
        group=group, title="Rust night.", description=f"Bring a laptop.\n\n{HEBREW}"
    )
    page = new_page(base_url=live_server.url)
    page.set_extra_http_headers({"Accept-Language": "he"})

    page.goto(f"/events/{event.pk}/")

    assert page.locator("html").get_attribute("dir") == "rtl"
    title = page.get_by_role("heading", level=1)
    english, hebrew = page.locator(".prose p").all()
    assert (title.inner_text(), hebrew.inner_text()) == ("Rust night.", HEBREW)
    assert [_reads_left_to_right(p) for p in (title, english, hebrew)] == [
        True,
        True,
        False,
    ]
