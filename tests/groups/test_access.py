import pytest
from django.contrib.auth.models import AnonymousUser

from groups.access import can_manage, managed_groups
from tests.factories import GroupFactory, MembershipFactory


@pytest.mark.parametrize(
    ("who", "expected"),
    [("owner", True), ("staff", True), ("member", False), ("charlie", False)],
)
def test_can_manage_is_for_owners_and_staff(request, group, who, expected):
    person = request.getfixturevalue(who)

    assert can_manage(person, group) is expected


def test_can_manage_refuses_visitors(group):
    assert can_manage(AnonymousUser(), group) is False


def test_can_manage_uses_the_membership_it_is_given(
    group, owner, django_assert_num_queries
):
    membership = owner.memberships.get(group=group)

    with django_assert_num_queries(0):
        assert can_manage(owner, group, membership=membership) is True
        assert can_manage(owner, group, membership=None) is False


def test_managed_groups_are_the_groups_can_manage_allows(group, owner, staff):
    other = GroupFactory(slug="other")
    MembershipFactory(user=owner, group=other)

    assert list(managed_groups(owner)) == [group]
    assert set(managed_groups(staff)) == {group, other}
