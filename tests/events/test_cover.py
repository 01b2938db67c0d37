"""An event's cover image: uploaded through its page, shown on pages, cards and
the announcement email, and its files removed when it is replaced or removed."""

import os
import re
import time
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command

from core.images import MAX_BYTES, process
from events.forms import CoverForm
from events.models import Event
from events.services import event_cover_set
from tests.factories import EventFactory
from tests.images import decoded, image_bytes, upload

ALT = "Twelve people around a table at c-base"


def stored() -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def with_cover(event, alt: str = ALT, size=(1600, 900)):
    image = process(upload(image_bytes(size)), CoverForm.shape)
    event_cover_set(event=event, by=event.created_by, image=image, alt=alt)
    return event


def test_owner_uploads_a_png_and_the_event_page_shows_it(client, event, owner):
    client.force_login(owner)

    response = client.post(
        f"/events/{event.pk}/cover/",
        {"image": upload(image_bytes((1600, 1000))), "alt": ALT},
    )

    assert response.url == f"/events/{event.pk}/"
    event.refresh_from_db()
    assert stored() == [event.cover.name]
    assert re.fullmatch(r"events/covers/[0-9a-f]{32}\.jpg", event.cover.name)
    assert decoded(event.cover.read()).size == (1200, 675)
    html = client.get(response.url).content.decode()
    assert (
        f'<img class="cover" src="/media/{event.cover.name}" alt="{ALT}" '
        'width="1200" height="675">'
    ) in html
    assert "The cover image is saved." in html


def test_event_cards_show_the_cover_with_its_alt_text(client, event):
    with_cover(event)
    card = (
        f'<img class="card-cover" src="/media/{event.cover.name}" alt="{ALT}" '
        'width="1200" height="675" loading="lazy">'
    )

    for page in ("/", "/events/", "/groups/rust-berlin/"):
        assert card in client.get(page).content.decode(), page


def test_a_text_file_named_png_is_refused_and_nothing_is_stored(client, event, owner):
    client.force_login(owner)

    response = client.post(
        f"/events/{event.pk}/cover/",
        {"image": upload(b"GIF89a? no: just text", "cover.png"), "alt": ALT},
    )

    assert response.status_code == 200
    assert "This file is not a JPEG, PNG or WebP image." in response.content.decode()
    assert (Event.objects.get(pk=event.pk).cover.name, stored()) == ("", [])


def test_an_oversize_file_is_refused(client, event, owner):
    client.force_login(owner)
    data = image_bytes() + b"\0" * MAX_BYTES

    response = client.post(
        f"/events/{event.pk}/cover/", {"image": upload(data), "alt": ALT}
    )

    html = response.content.decode()
    assert "This file is 5.1 MB; an image can be at most 5 MB." in html
    assert stored() == []


def test_a_cover_needs_alt_text(client, event, owner):
    client.force_login(owner)

    response = client.post(
        f"/events/{event.pk}/cover/", {"image": upload(image_bytes()), "alt": " "}
    )

    html = response.content.decode()
    assert "Describe the image for people who cannot see it (alt text)." in html
    assert (Event.objects.get(pk=event.pk).cover.name, stored()) == ("", [])


def test_the_page_asks_for_a_file_when_there_is_no_cover(client, event, owner):
    client.force_login(owner)

    response = client.post(f"/events/{event.pk}/cover/", {"alt": ALT})

    assert "Choose an image for this description." in response.content.decode()
    assert Event.objects.get(pk=event.pk).cover_alt == ""


def test_replacing_the_cover_deletes_the_old_file(client, event, owner, committing):
    old = with_cover(event).cover.name
    client.force_login(owner)

    with committing():
        client.post(
            f"/events/{event.pk}/cover/",
            {"image": upload(image_bytes(format="WEBP")), "alt": "A new one"},
        )

    event.refresh_from_db()
    assert (event.cover_alt, stored()) == ("A new one", [event.cover.name])
    assert event.cover.name != old


def test_the_alt_text_changes_alone_and_the_file_stays(client, event, owner):
    name = with_cover(event).cover.name
    client.force_login(owner)

    client.post(f"/events/{event.pk}/cover/", {"alt": "A better description"})

    event.refresh_from_db()
    assert (event.cover.name, event.cover_alt) == (name, "A better description")
    assert stored() == [name]


def test_removing_the_cover_deletes_its_file(client, event, owner, committing):
    with_cover(event)
    client.force_login(owner)
    page = client.get(f"/events/{event.pk}/cover/").content.decode()
    assert ">Remove the cover image</button>" in page

    with committing():
        response = client.post(f"/events/{event.pk}/cover/remove/")

    assert response.url == f"/events/{event.pk}/"
    event.refresh_from_db()
    assert (event.cover.name, event.cover_alt, event.cover_width) == ("", "", None)
    assert stored() == []
    assert '<img class="cover"' not in client.get(response.url).content.decode()


def test_members_cannot_change_or_remove_the_cover(client, event, member):
    with_cover(event)
    client.force_login(member)

    upload_response = client.post(
        f"/events/{event.pk}/cover/", {"image": upload(image_bytes()), "alt": ALT}
    )
    remove_response = client.post(f"/events/{event.pk}/cover/remove/")

    assert (upload_response.status_code, remove_response.status_code) == (403, 403)
    assert stored() == [Event.objects.get(pk=event.pk).cover.name]


def _create_form(start, **extra):
    return {
        "title": "Rust and WebAssembly",
        "start": start.strftime("%Y-%m-%dT%H:%M"),
        "end": start.replace(hour=21).strftime("%Y-%m-%dT%H:%M"),
        "timezone": "Europe/Berlin",
        "venue": "c-base",
        **extra,
    }


def test_a_new_event_with_a_cover_is_announced_with_the_image(
    client, group, owner, member, committing
):
    from datetime import timedelta

    from django.utils import timezone

    start = (timezone.now() + timedelta(days=9)).replace(hour=19, minute=0)
    client.force_login(owner)

    with committing():
        response = client.post(
            "/groups/rust-berlin/events/new/",
            _create_form(start, **{"cover-image": upload(image_bytes((800, 600))),
                                   "cover-alt": ALT}),
        )  # fmt: skip
    call_command("send_mail_queue", "--once", stdout=StringIO())

    event = Event.objects.get(title="Rust and WebAssembly")
    assert response.url == f"/events/{event.pk}/"
    assert (event.cover_width, event.cover_height) == (800, 450)
    [html] = [body for body, kind in announcement_to(member).alternatives
              if kind == "text/html"]  # fmt: skip
    assert (
        f'<img src="https://meetings.test/media/{event.cover.name}" alt="{ALT}" '
        'width="600" height="338">'
    ) in html


def announcement_to(person):
    found = [m for m in mail.outbox if m.subject.startswith("New event in")]
    assert sorted(m.to[0] for m in found) == ["mo@example.org", "olga@example.org"]
    return next(m for m in found if m.to == [person.email])


def test_the_create_form_asks_for_the_image_again_after_other_errors(
    client, group, owner
):
    client.force_login(owner)

    response = client.post(
        "/groups/rust-berlin/events/new/",
        {"title": "", "cover-image": upload(image_bytes()), "cover-alt": ALT},
    )

    html = response.content.decode()
    assert "Choose the image again: it is not kept while the form has errors." in html
    assert 'value="Twelve people around a table at c-base"' in html
    assert (Event.objects.count(), stored()) == (0, [])


def test_housekeeping_deletes_cover_files_no_event_uses(event):
    with_cover(event)
    orphan = EventFactory(group=event.group)
    with_cover(orphan)
    gone = orphan.cover.name
    Event.objects.filter(pk=orphan.pk).delete()  # as the admin deletes
    day_ago = time.time() - 86400
    os.utime(Path(settings.MEDIA_ROOT) / gone, (day_ago, day_ago))
    fresh = with_cover(EventFactory(group=event.group)).cover.name
    Event.objects.filter(cover=fresh).delete()  # still within the grace hour

    call_command("housekeeping", stdout=StringIO())

    assert stored() == sorted([event.cover.name, fresh])


@pytest.mark.parametrize("count", [1, 3])
def test_pages_with_covers_cost_the_same_queries(
    client, group, member, django_assert_num_queries, count
):
    for event in EventFactory.create_batch(count, group=group):
        with_cover(event, size=(40, 30))

    # The search form's group menu, the count and the page.
    with django_assert_num_queries(3):
        client.get("/events/")
    client.force_login(member)
    # 5, and the comments section's two (its threads and its count).
    with django_assert_num_queries(7):
        client.get(f"/events/{event.pk}/")
