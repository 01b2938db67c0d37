"""A group's logo: uploaded through its page, shown on the group's page and
card, and its files removed when it is replaced or removed."""

from pathlib import Path

import pytest
from django.conf import settings

from core.images import process
from groups.forms import LogoForm
from groups.models import Group
from groups.services import group_logo_set
from tests.factories import GroupFactory
from tests.images import decoded, image_bytes, png_claiming, upload

ALT = "A crab holding a gear: the Rust Berlin logo"


def stored() -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def with_logo(group, alt: str = ALT):
    image = process(upload(image_bytes((512, 512))), LogoForm.shape)
    group_logo_set(group=group, image=image, alt=alt)
    return group


def test_owner_uploads_a_logo_and_the_group_page_shows_it(client, group, owner):
    client.force_login(owner)

    response = client.post(
        "/groups/rust-berlin/logo/",
        {"image": upload(image_bytes((900, 600), format="JPEG"), "logo.jpg"),
         "alt": ALT},
    )  # fmt: skip

    assert response.url == "/groups/rust-berlin/"
    group.refresh_from_db()
    assert stored() == [group.logo.name]
    assert decoded(group.logo.read()).size == (256, 256)
    html = client.get(response.url).content.decode()
    assert (
        f'<img class="logo" src="/media/{group.logo.name}" alt="{ALT}" '
        'width="256" height="256">'
    ) in html


def test_the_group_list_shows_each_logo_with_its_alt_text(client, group):
    with_logo(group)

    html = client.get("/groups/").content.decode()

    assert (
        f'<img class="card-logo" src="/media/{group.logo.name}" alt="{ALT}" '
        'width="256" height="256" loading="lazy">'
    ) in html


def test_a_text_file_named_png_is_refused(client, group, owner):
    client.force_login(owner)

    response = client.post(
        "/groups/rust-berlin/logo/", {"image": upload(b"hello", "logo.png"), "alt": ALT}
    )

    assert "This file is not a JPEG, PNG or WebP image." in response.content.decode()
    assert (Group.objects.get(pk=group.pk).logo.name, stored()) == ("", [])


def test_a_decompression_bomb_is_refused(client, group, owner):
    client.force_login(owner)

    response = client.post(
        "/groups/rust-berlin/logo/",
        {"image": upload(png_claiming(8000, 5000)), "alt": ALT},
    )

    assert (
        "This image is 8000 × 5000 pixels; at most 25 million pixels are allowed."
    ) in response.content.decode()
    assert stored() == []


def test_a_logo_needs_alt_text(client, group, owner):
    client.force_login(owner)

    response = client.post(
        "/groups/rust-berlin/logo/", {"image": upload(image_bytes())}
    )

    html = response.content.decode()
    assert "Describe the image for people who cannot see it (alt text)." in html
    assert stored() == []


def test_replacing_the_logo_deletes_the_old_file(client, group, owner, committing):
    old = with_logo(group).logo.name
    client.force_login(owner)

    with committing():
        client.post(
            "/groups/rust-berlin/logo/", {"image": upload(image_bytes()), "alt": ALT}
        )

    group.refresh_from_db()
    assert stored() == [group.logo.name] != [old]


def test_removing_the_logo_deletes_its_file(client, group, owner, committing):
    with_logo(group)
    client.force_login(owner)

    with committing():
        response = client.post("/groups/rust-berlin/logo/remove/")

    assert response.url == "/groups/rust-berlin/"
    assert (Group.objects.get(pk=group.pk).logo.name, stored()) == ("", [])


def test_members_cannot_change_the_logo(client, group, member):
    client.force_login(member)

    response = client.post(
        "/groups/rust-berlin/logo/", {"image": upload(image_bytes()), "alt": ALT}
    )

    assert (response.status_code, stored()) == (403, [])


@pytest.mark.parametrize("count", [1, 3])
def test_the_group_list_with_logos_costs_the_same_queries(
    client, db, django_assert_num_queries, count
):
    for group in GroupFactory.create_batch(count):
        with_logo(group)

    # The page of groups and its count (the search's paginator).
    with django_assert_num_queries(2):
        client.get("/groups/")
