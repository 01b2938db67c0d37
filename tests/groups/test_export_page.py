"""The owners' archive download: a page saying what is inside, a POST for the zip."""

import io
import json
import zipfile

import pytest
from django.test import Client
from django.utils import timezone

from groups.models import Membership
from tests.factories import EventFactory, MembershipFactory, RsvpFactory


def test_export_page_explains_what_is_inside_and_who_is_left_out(
    client, group, owner, member
):
    Membership.objects.filter(user=member).update(export_consent=True)
    client.force_login(owner)

    html = client.get("/groups/rust-berlin/export/").content.decode()

    assert "1 of 2 members agreed to come along" in html
    assert "The other 1 is in the archive only as a number" in html
    assert '<button type="submit">Download the archive</button>' in html


def test_owner_downloads_the_archive(client, group, owner, member, event):
    Membership.objects.filter(user=member).update(export_consent=True)
    client.force_login(owner)

    response = client.post("/groups/rust-berlin/export/")

    today = timezone.now().date().isoformat()
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == (
        f'attachment; filename="rust-berlin-{today}.zip"'
    )
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        data = json.loads(archive.read("group.json"))
    assert [p["email"] for p in data["people"]] == ["mo@example.org"]
    assert [e["uid"] for e in data["events"]["events"]] == [event.uid]


def test_member_cannot_download_the_archive(client, group, member):
    client.force_login(member)

    response = client.post("/groups/rust-berlin/export/")

    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")


def test_download_needs_the_pages_csrf_token(group, owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)

    refused = client.post("/groups/rust-berlin/export/")
    page = client.get("/groups/rust-berlin/export/")
    token = page.context["csrf_token"]
    accepted = client.post(
        "/groups/rust-berlin/export/", {"csrfmiddlewaretoken": token}
    )

    assert refused.status_code == 403
    assert accepted["Content-Type"] == "application/zip"


def test_group_page_links_owners_to_the_archive(client, group, owner):
    client.force_login(owner)

    html = client.get("/groups/rust-berlin/").content.decode()

    assert (
        '<a href="/groups/rust-berlin/export/">Take the group elsewhere (archive)</a>'
        in html
    )


@pytest.mark.parametrize("count", [1, 3])
def test_download_query_count_is_fixed(
    client, group, owner, event, django_assert_num_queries, count
):
    for _ in range(count):
        agreed = MembershipFactory(group=group, export_consent=True).user
        RsvpFactory(event=EventFactory(group=group), user=agreed)
        RsvpFactory(event=event, user=MembershipFactory(group=group).user)
    client.force_login(owner)

    with django_assert_num_queries(13):
        client.post("/groups/rust-berlin/export/")


@pytest.mark.parametrize("count", [1, 3])
def test_export_page_query_count_is_fixed(
    client, group, owner, django_assert_num_queries, count
):
    MembershipFactory.create_batch(count, group=group, export_consent=True)
    client.force_login(owner)

    with django_assert_num_queries(5):
        client.get("/groups/rust-berlin/export/")
