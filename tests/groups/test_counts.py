"""Every way a membership is written keeps the group's stored member count right.

The count is kept by triggers (core.counters), so these tests write through
each path the site has and compare the stored number with the rows.
"""

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from accounts.services import account_delete
from groups.models import Group, GroupCounts, Membership
from groups.services import group_create
from tests.factories import GroupFactory, MembershipFactory


def members(group: Group) -> int:
    """The stored count, after checking it against the rows."""
    stored = GroupCounts.objects.get(group=group).members
    assert stored == Membership.objects.filter(group=group).count()
    return stored


def test_a_new_group_starts_at_zero(db):
    assert members(GroupFactory()) == 0


def test_creating_a_group_counts_its_owner(db):
    group = group_create(name="Go Lisbon", slug="go-lisbon", owner_email="a@x.org")

    assert members(group) == 1


def test_joining_counts_the_new_member(client, group, owner, charlie):
    client.force_login(charlie)

    client.post("/groups/rust-berlin/join/")

    assert members(group) == 2


def test_joining_twice_counts_once(client, group, owner, charlie):
    client.force_login(charlie)

    client.post("/groups/rust-berlin/join/")
    client.post("/groups/rust-berlin/join/")

    assert members(group) == 2


def test_leaving_uncounts_the_member(client, group, owner, member):
    client.force_login(member)

    client.post("/groups/rust-berlin/leave/")

    assert members(group) == 1


def test_deleting_an_account_uncounts_it_in_every_group(group, owner, member):
    other = GroupFactory()
    MembershipFactory(group=other, user=member)

    account_delete(user=member)

    assert (members(group), members(other)) == (1, 0)


def test_an_imported_group_counts_its_members(group, owner, member, tmp_path):
    Membership.objects.filter(group=group).update(export_consent=True)
    path = tmp_path / "group.zip"
    call_command("export_group", group.slug, "--output", str(path), stdout=StringIO())
    group.delete()

    call_command("import_group", str(path), "--owner", owner.email, stdout=StringIO())

    assert members(Group.objects.get(slug="rust-berlin")) == 2


def test_moving_a_membership_counts_it_in_its_new_group(group, owner, member):
    other = GroupFactory()

    Membership.objects.filter(user=member).update(group=other)

    assert (members(group), members(other)) == (1, 1)


def test_deleting_a_group_deletes_its_counts(group, owner, member):
    group.delete()

    assert GroupCounts.objects.count() == 0


@pytest.fixture
def admin_client(client, staff):
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    return client


def test_a_membership_added_in_the_admin_is_counted(admin_client, group, charlie):
    admin_client.post(
        "/admin/groups/membership/add/",
        {
            "user": charlie.pk,
            "group": group.pk,
            "role": "member",
            "joined_at_0": "2026-01-05",
            "joined_at_1": "10:00:00",
        },
    )

    assert Membership.objects.filter(user=charlie).exists() is True
    assert members(group) == 1


def test_a_user_deleted_in_the_admin_is_uncounted(admin_client, group, owner, member):
    admin_client.post(f"/admin/accounts/user/{member.pk}/delete/", {"post": "yes"})

    assert User.objects.filter(pk=member.pk).exists() is False
    assert members(group) == 1
