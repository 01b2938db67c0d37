"""An owner gives an event a cover and a group a logo, in a real browser.

As tests/e2e/test_journeys.py: from a blank browser, with and without JS.
"""

import pytest
from playwright.sync_api import expect

from events.models import Event
from tests.e2e.steps import message, nav, sign_in
from tests.images import image_bytes

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"]),
]

COVER_ALT = "Twelve people around a table at c-base"
LOGO_ALT = "A crab holding a gear"


def _loads(page, image, content_type: str) -> None:
    """The image is shown, and its file is served with the right type."""
    expect(image).to_be_visible()
    response = page.request.get(image.get_attribute("src"))
    assert (response.status, response.headers["content-type"]) == (200, content_type)


def test_owner_adds_a_cover_and_a_logo_and_visitors_see_them(
    page, new_page, live_server, event, owner, tmp_path
):
    photo, text = tmp_path / "crowd.png", tmp_path / "notes.png"
    photo.write_bytes(image_bytes((1600, 1200)))
    text.write_text("not a picture")
    sign_in(page, owner.email)

    page.goto(event.get_absolute_url())
    page.get_by_role("link", name="Add a cover image").click()
    page.get_by_label("Cover image:", exact=True).set_input_files(text)
    page.get_by_label("Description of the cover image (alt text)").fill(COVER_ALT)
    page.get_by_role("button", name="Upload the cover image").click()
    expect(page.get_by_text("This file is not a JPEG, PNG or WebP image.")).to_be_visible()  # fmt: skip
    page.get_by_label("Cover image:", exact=True).set_input_files(photo)
    page.get_by_role("button", name="Upload the cover image").click()
    message(page, "The cover image is saved.")
    _loads(page, page.get_by_role("img", name=COVER_ALT), "image/jpeg")
    assert Event.objects.get(pk=event.pk).cover_width == 1200

    page.get_by_role("main").get_by_role("link", name="Rust Berlin").click()
    page.get_by_role("link", name="Add a logo").click()
    page.get_by_label("Logo:", exact=True).set_input_files(photo)
    page.get_by_role("button", name="Upload the logo").click()
    expect(page.get_by_text("Describe the image for people who cannot see it")).to_be_visible()  # fmt: skip
    page.get_by_label("Logo:", exact=True).set_input_files(photo)
    page.get_by_label("Description of the logo (alt text)").fill(LOGO_ALT)
    page.get_by_role("button", name="Upload the logo").click()
    message(page, "The logo is saved.")
    _loads(page, page.get_by_role("img", name=LOGO_ALT), "image/png")

    visitor = new_page(base_url=live_server.url)
    visitor.goto("/groups/")
    _loads(visitor, visitor.get_by_role("img", name=LOGO_ALT), "image/png")
    nav(visitor, "Events")
    _loads(visitor, visitor.get_by_role("img", name=COVER_ALT), "image/jpeg")
