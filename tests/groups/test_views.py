from datetime import UTC, datetime

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from events.models import Rsvp
from groups.models import Membership
from tests.factories import EventFactory, MembershipFactory, RsvpFactory, UserFactory
from tests.mail import links_in, only_message_to, path_of


def test_group_list_shows_member_count_and_next_event(
    client, group, owner, member, event
):
    html = client.get("/groups/").content.decode()

    assert "Rust Berlin" in html
    assert "2 members" in html
    assert f'Next event: <time datetime="{event.start.isoformat()}' in html.replace(
        "+00:00", "+00:00"
    )


def test_join_with_post(client, group, charlie):
    client.force_login(charlie)

    response = client.post("/groups/rust-berlin/join/")

    assert response.url == "/groups/rust-berlin/"
    assert Membership.objects.get(group=group, user=charlie).role == "member"


def test_join_goes_back_to_the_page_it_was_asked_from(client, group, charlie):
    client.force_login(charlie)

    response = client.post("/groups/rust-berlin/join/", {"next": "/events/7/#comments"})

    assert response.url == "/events/7/#comments"
    assert Membership.objects.filter(group=group, user=charlie).exists() is True


def test_join_ignores_a_next_that_leaves_the_site(client, group, charlie):
    client.force_login(charlie)

    response = client.post(
        "/groups/rust-berlin/join/", {"next": "https://evil.example/"}
    )

    assert response.url == "/groups/rust-berlin/"


def test_get_never_joins(client, group, charlie):
    client.force_login(charlie)

    assert client.get("/groups/rust-berlin/join/").status_code == 405
    assert Membership.objects.filter(user=charlie).exists() is False


def test_visitor_join_goes_through_signin_and_comes_back_joined(
    client, group, charlie, committing
):
    response = client.post("/groups/rust-berlin/join/")
    assert (
        response.url
        == "/accounts/signin/?next=%2Fgroups%2Frust-berlin%2F&intent=join%3Arust-berlin"
    )

    page = client.get(response.url)
    assert "After signing in you will join Rust Berlin." in page.content.decode()
    with committing():
        client.post(response.url, {
            "email": "charlie@example.org", "next": "/groups/rust-berlin/",
            "intent": "join:rust-berlin",
        })  # fmt: skip
    link = path_of(links_in(only_message_to("charlie@example.org"))[0])
    response = client.post(link)

    assert response.url == "/groups/rust-berlin/"
    assert Membership.objects.filter(group=group, user=charlie).exists() is True


def test_leave_needs_confirmation_and_removes_future_replies_only(
    client, group, member
):
    future = EventFactory(group=group)
    past = EventFactory(
        group=group,
        start=timezone.now() - timezone.timedelta(days=3),
        end=timezone.now() - timezone.timedelta(days=3, hours=-2),
    )
    RsvpFactory(event=future, user=member)
    RsvpFactory(event=past, user=member)
    client.force_login(member)

    page = client.get("/groups/rust-berlin/leave/")
    assert "Leave Rust Berlin?" in page.content.decode()
    response = client.post("/groups/rust-berlin/leave/")

    assert response.url == "/groups/rust-berlin/"
    assert Membership.objects.filter(user=member).exists() is False
    assert list(Rsvp.objects.filter(user=member).values_list("event", flat=True)) == [
        past.pk
    ]


def test_last_owner_cannot_leave(client, group, owner):
    client.force_login(owner)

    response = client.post("/groups/rust-berlin/leave/", follow=True)

    assert (
        "You are the only owner. Add another owner before you leave."
        in response.content.decode()
    )
    assert Membership.objects.get(user=owner).role == "owner"


def test_members_page_is_paginated(client, group, member):
    MembershipFactory.create_batch(60, group=group)
    client.force_login(member)

    response = client.get("/groups/rust-berlin/members/")

    assert len(response.context["page"].object_list) == 50
    assert "Page 1 of 2" in response.content.decode()
    assert "@example.org" not in response.content.decode().split("<table>")[1]


def test_owner_sees_emails_and_exports_csv(client, group, owner, member):
    client.force_login(owner)

    html = client.get("/groups/rust-berlin/members/").content.decode()
    response = client.get("/groups/rust-berlin/members.csv")

    assert "mo@example.org" in html
    lines = response.content.decode().strip().splitlines()
    assert lines[0] == "name,email,role,joined"
    assert [line.split(",")[1] for line in lines[1:]] == [
        "olga@example.org",
        "mo@example.org",
    ]


def test_csv_neutralises_formulas(client, group, owner):
    MembershipFactory(group=group, user=UserFactory(name="=HYPERLINK(1)"))
    client.force_login(owner)

    body = client.get("/groups/rust-berlin/members.csv").content.decode()

    assert "'=HYPERLINK(1)" in body


def test_csv_neutralises_formulas_in_every_column(client, group, owner, event):
    import csv

    from tests.factories import RsvpFactory

    sly = UserFactory(name="\tcmd|' /C calc'!A0", email="=1+2@example.org")
    MembershipFactory(group=group, user=sly)
    RsvpFactory(event=event, user=sly)
    client.force_login(owner)

    for url in ("/groups/rust-berlin/members.csv", f"/events/{event.pk}/attendees.csv"):
        rows = list(csv.reader(client.get(url).content.decode().splitlines()))
        (row,) = [r for r in rows if "1+2@example.org" in r[1]]
        assert row[:2] == ["'\tcmd|' /C calc'!A0", "'=1+2@example.org"], url


def test_owner_edits_settings_with_preview(client, group, owner):
    client.force_login(owner)
    data = {"name": "Rust Berlin e.V.", "description": "**Hi**", "location": "Berlin",
            "timezone": "Europe/Berlin"}  # fmt: skip

    preview = client.post("/groups/rust-berlin/settings/", {**data, "preview": "1"})
    group.refresh_from_db()
    assert "<strong>Hi</strong>" in preview.content.decode()
    assert group.name == "Rust Berlin"

    client.post("/groups/rust-berlin/settings/", data)
    group.refresh_from_db()
    assert group.name == "Rust Berlin e.V."


def test_settings_bad_zone_shows_error(client, group, owner):
    client.force_login(owner)

    response = client.post(
        "/groups/rust-berlin/settings/",
        {"name": "X", "description": "", "location": "", "timezone": "Nowhere/Land"},
    )

    assert "timezone" in response.context["form"].errors
    group.refresh_from_db()
    assert group.name == "Rust Berlin"


@pytest.mark.parametrize(
    "field,value",
    [
        ("name", "Rust \x1b[2JBerlin"),
        ("location", "Berlin\nKreuzberg"),
        ("description", "Hi\x1b]0;owned\x07"),
    ],
)
def test_settings_refuse_control_characters(client, group, owner, field, value):
    client.force_login(owner)
    data = {"name": "Rust Berlin", "description": "", "location": "", "timezone": "UTC"}

    response = client.post("/groups/rust-berlin/settings/", {**data, field: value})

    [message] = response.context["form"].errors[field]
    assert message.startswith("Control characters")
    group.refresh_from_db()
    assert group.timezone == "Europe/Berlin"


def test_settings_keep_line_breaks_in_the_description(client, group, owner):
    client.force_login(owner)
    data = {"name": "Rust Berlin", "location": "", "timezone": "Europe/Berlin"}

    client.post("/groups/rust-berlin/settings/", {**data, "description": "a\r\n\tb"})

    group.refresh_from_db()
    assert group.description == "a\r\n\tb"


def test_owner_adds_and_removes_co_owner(client, group, owner, member):
    client.force_login(owner)

    client.post("/groups/rust-berlin/owners/add/", {"email": "MO@example.org"})
    assert Membership.objects.get(user=member).role == "owner"
    client.post(f"/groups/rust-berlin/owners/{member.pk}/remove/")
    assert Membership.objects.get(user=member).role == "member"


def test_only_members_can_become_owners(client, group, owner, charlie):
    client.force_login(owner)

    response = client.post(
        "/groups/rust-berlin/owners/add/", {"email": "charlie@example.org"}
    )

    assert response.status_code == 400
    assert (
        "charlie@example.org is not a member of Rust Berlin."
        in response.content.decode()
    )


def test_profile_lists_my_groups(client, group, member):
    client.force_login(member)

    html = client.get("/accounts/profile/").content.decode()

    assert '<a href="/groups/rust-berlin/">Rust Berlin</a>' in html


@pytest.mark.parametrize("count", [1, 3])
def test_group_page_query_count_is_fixed(
    client, group, member, django_assert_num_queries, count
):
    MembershipFactory.create_batch(count, group=group)
    EventFactory.create_batch(count, group=group)
    client.force_login(member)

    with django_assert_num_queries(6):
        client.get("/groups/rust-berlin/")


@pytest.mark.parametrize("count", [1, 3])
def test_group_list_query_count_is_fixed(client, db, django_assert_num_queries, count):
    from tests.factories import GroupFactory

    GroupFactory.create_batch(count)

    # The count and the page.
    with django_assert_num_queries(2):
        client.get("/groups/")


@pytest.mark.parametrize("count", [1, 3])
def test_members_page_query_count_is_fixed(
    client, group, member, django_assert_num_queries, count
):
    MembershipFactory.create_batch(count, group=group)
    client.force_login(member)

    # The session with its person, the group with its stored count, the
    # membership, the page.
    with django_assert_num_queries(4):
        client.get("/groups/rust-berlin/members/")


def test_member_list_of_2000_is_paginated(
    client, group, member, django_assert_num_queries
):
    # The 2000 people in one INSERT: the same rows as 2000 factory saves.
    users = User.objects.bulk_create(UserFactory.build_batch(2000))
    Membership.objects.bulk_create([Membership(user=u, group=group) for u in users])
    client.force_login(member)

    with django_assert_num_queries(4):
        response = client.get("/groups/rust-berlin/members/?page=7")

    assert len(response.context["page"].object_list) == 50
    assert response.context["page"].paginator.count == 2001


def test_add_owner_refuses_an_address_sendgrid_would_refuse(client, group, owner):
    client.force_login(owner)

    response = client.post(
        "/groups/rust-berlin/owners/add/", {"email": '"a@b"@example.org'}
    )

    assert response.status_code == 400
    assert (
        "Enter an address email can be delivered to, like ada@example.org."
        in response.content.decode()
    )
    assert list(Membership.objects.values_list("role", flat=True)) == ["owner"]


def test_member_rows_show_name_email_role_and_joining_date_to_owners(
    client, group, owner
):
    Membership.objects.filter(user=owner).update(
        joined_at=datetime(2026, 3, 4, 23, 30, tzinfo=UTC)
    )
    owner.timezone = "Europe/Berlin"
    owner.save()
    client.force_login(owner)

    html = client.get("/groups/rust-berlin/members/").content.decode()

    assert (
        "<tr><td>Olga Owner</td><td>olga@example.org</td><td>owner</td>"
        '<td><time datetime="2026-03-04T23:30:00+00:00">5 Mar 2026</time></td></tr>'
    ) in html


def test_member_rows_escape_names_and_speak_the_language(client, group, member):
    MembershipFactory(group=group, user__name="<b>Bo</b> & co")
    client.force_login(member)

    html = client.get(
        "/groups/rust-berlin/members/", headers={"accept-language": "de"}
    ).content.decode()

    assert "<tr><td>&lt;b&gt;Bo&lt;/b&gt; &amp; co</td><td>Mitglied</td>" in html
    assert "mo@example.org" not in html


def test_group_page_lists_the_owners_by_name_and_follows_changes(
    client, group, owner, member
):
    MembershipFactory(group=group, role="owner", user__name="Ada <Admin>")
    before = client.get("/groups/rust-berlin/").content.decode()
    Membership.objects.filter(user=member).update(role="owner")
    User.objects.filter(pk=owner.pk).update(name="Olga Organiser")

    after = Client().get("/groups/rust-berlin/").content.decode()

    owners = '<h2>Owners</h2>\n  <ul class="plain-list">'
    assert f"{owners}<li>Ada &lt;Admin&gt;</li><li>Olga Owner</li></ul>" in before
    assert (
        f"{owners}<li>Ada &lt;Admin&gt;</li><li>Mo Member</li>"
        "<li>Olga Organiser</li></ul>"
    ) in after
