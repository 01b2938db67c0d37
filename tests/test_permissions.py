"""Who may open what: every URL x every role, in one table.

Later features add their rows here. Roles: visitor (not signed in), outsider
(signed in, not a member), member, owner, staff. Expected values are status
codes; 302 for a visitor means "sent to sign in".
"""

import pytest

from tests.factories import EventFactory, MembershipFactory, UserFactory

ROLES = ["visitor", "outsider", "member", "owner", "staff"]

# (method, url template, {role: status})
MATRIX = [
    ("get", "/", dict(visitor=200, outsider=200, member=200, owner=200, staff=200)),
    (
        "get",
        "/healthz",
        dict(visitor=200, outsider=200, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/accounts/signin/",
        dict(visitor=200, outsider=302, member=302, owner=302, staff=302),
    ),
    (
        "get",
        "/accounts/signup/",
        dict(visitor=200, outsider=302, member=302, owner=302, staff=302),
    ),
    (
        "get",
        "/accounts/check-inbox/",
        dict(visitor=200, outsider=200, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/accounts/profile/",
        dict(visitor=302, outsider=200, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/accounts/profile/delete/",
        dict(visitor=302, outsider=200, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/groups/",
        dict(visitor=200, outsider=200, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/groups/{slug}/",
        dict(visitor=200, outsider=200, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/groups/nope/",
        dict(visitor=404, outsider=404, member=404, owner=404, staff=404),
    ),
    (
        "post",
        "/groups/{slug}/join/",
        dict(visitor=302, outsider=302, member=302, owner=302, staff=302),
    ),
    (
        "get",
        "/groups/{slug}/leave/",
        dict(visitor=302, outsider=403, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/groups/{slug}/members/",
        dict(visitor=302, outsider=403, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/groups/{slug}/members.csv",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    (
        "get",
        "/groups/{slug}/settings/",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    (
        "post",
        "/groups/{slug}/owners/add/",
        dict(visitor=302, outsider=403, member=403, owner=400, staff=400),
    ),
    (
        "post",
        "/groups/{slug}/owners/{owner_id}/remove/",
        dict(visitor=302, outsider=403, member=403, owner=302, staff=302),
    ),
    (
        "get",
        "/events/",
        dict(visitor=200, outsider=200, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/events/{event}/",
        dict(visitor=200, outsider=200, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/events/999999/",
        dict(visitor=404, outsider=404, member=404, owner=404, staff=404),
    ),
    (
        "get",
        "/events/{event}/event.ics",
        dict(visitor=200, outsider=200, member=200, owner=200, staff=200),
    ),
    (
        "post",
        "/events/{event}/rsvp/",
        dict(visitor=302, outsider=302, member=302, owner=302, staff=302),
    ),
    (
        "get",
        "/events/{event}/attendees/",
        dict(visitor=302, outsider=403, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/events/{event}/attendees.csv",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    (
        "get",
        "/events/{event}/edit/",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    (
        "get",
        "/events/{event}/cancel/",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    (
        "get",
        "/events/{event}/duplicate/",
        dict(visitor=302, outsider=403, member=403, owner=302, staff=302),
    ),
    (
        "get",
        "/groups/{slug}/events/new/",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    (
        "get",
        "/groups/{slug}/calendar.ics",
        dict(visitor=200, outsider=200, member=200, owner=200, staff=200),
    ),
    (
        "post",
        "/calendar/regenerate/",
        dict(visitor=302, outsider=302, member=302, owner=302, staff=302),
    ),
    (
        "get",
        "/groups/{slug}/mailings/",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    (
        "get",
        "/groups/{slug}/mailings/new/",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    (
        "get",
        "/accounts/email-preferences/",
        dict(visitor=302, outsider=200, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/admin/",
        dict(visitor=302, outsider=302, member=302, owner=302, staff=200),
    ),
]


@pytest.fixture
def world(db):
    from groups.models import Group

    group = Group.objects.create(name="Rust Berlin", slug="rust-berlin")
    owner = UserFactory(name="Olga")
    MembershipFactory(user=owner, group=group, role="owner")
    member = UserFactory(name="Mo")
    MembershipFactory(user=member, group=group)
    MembershipFactory(user=UserFactory(name="Co"), group=group, role="owner")
    people = {
        "visitor": None,
        "outsider": UserFactory(name="Otto"),
        "member": member,
        "owner": owner,
        "staff": UserFactory(name="Stef", is_staff=True, is_superuser=True),
    }
    event = EventFactory(group=group)
    return {
        "people": people,
        "slug": group.slug,
        "event": event.pk,
        "owner_id": owner.pk,
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "method,url,expected", MATRIX, ids=[f"{m} {u}" for m, u, _ in MATRIX]
)
def test_permission_matrix(client, world, role, method, url, expected):
    person = world["people"][role]
    if person is not None:
        client.force_login(person)
    target = url.format(**{k: v for k, v in world.items() if k != "people"})

    response = getattr(client, method)(target)

    assert response.status_code == expected[role], (role, target)
    if (
        expected[role] == 302
        and person is None
        and method == "get"
        and "/admin/" not in target
    ):
        assert response.url.startswith("/accounts/signin/"), response.url
