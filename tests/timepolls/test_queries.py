"""Fixed query counts whatever the number of polls, parties, times or entries."""

import pytest

from accounts.models import ApiToken
from tests.factories import UserFactory
from timepolls import services
from timepolls.audit import Actor
from timepolls.models import PartyLink

from .conftest import next_week

pytestmark = pytest.mark.django_db


def _poll(organiser, n):
    return services.poll_create(
        organiser=organiser, actor=Actor(user=organiser), title=f"Poll {n}",
        duration_minutes=30, times=[next_week(h) for h in range(8, 8 + n)],
        parties=[services.PartySpec(f"p{i}@example.net", f"P{i}", "UTC") for i in range(n)],
    )  # fmt: skip


@pytest.mark.parametrize("n", [1, 3])
def test_my_polls_page(client, django_assert_num_queries, n):
    organiser = UserFactory()
    for i in range(n):
        _poll(organiser, i + 1)
    client.force_login(organiser)

    with django_assert_num_queries(3):
        response = client.get("/polls/")

    assert response.status_code == 200


@pytest.mark.parametrize("n", [1, 3])
def test_poll_page_for_the_organiser(client, django_assert_num_queries, n):
    organiser = UserFactory()
    poll = _poll(organiser, n)
    client.force_login(organiser)

    # One of them looks for a view logged in the last hour, one for the
    # parties' addresses the site may not email.
    with django_assert_num_queries(10):
        response = client.get(f"/polls/{poll.pk}/")

    assert response.status_code == 200


@pytest.mark.parametrize("n", [1, 3])
def test_poll_page_through_a_link(client, django_assert_num_queries, n):
    poll = _poll(UserFactory(), n)
    _, raw = PartyLink.issue(party=poll.parties.get(name="P0"))

    with django_assert_num_queries(6):
        response = client.get(f"/p/{raw}/")

    assert response.status_code == 200


@pytest.mark.parametrize("n", [1, 3])
def test_log_page(client, django_assert_num_queries, n):
    organiser = UserFactory()
    poll = _poll(organiser, 1)
    for _ in range(n):
        # Views by one person within the hour make one entry; n people make n.
        services.poll_view(poll=poll, actor=Actor(user=UserFactory()))
    client.force_login(organiser)

    with django_assert_num_queries(5):
        response = client.get(f"/polls/{poll.pk}/log/")

    assert response.status_code == 200


@pytest.mark.parametrize("n", [1, 3])
def test_api_detail(client, django_assert_num_queries, n):
    organiser = UserFactory()
    poll = _poll(organiser, n)
    _, raw = ApiToken.issue(user=organiser, name="q")

    # One of them looks for the parties' addresses the site may not email.
    with django_assert_num_queries(16):
        response = client.get(
            f"/api/v1/polls/{poll.pk}", headers={"Authorization": f"Bearer {raw}"}
        )

    assert response.status_code == 200


@pytest.mark.parametrize("n", [1, 3])
def test_api_list(client, django_assert_num_queries, n):
    organiser = UserFactory()
    for i in range(n):
        _poll(organiser, i + 1)
    _, raw = ApiToken.issue(user=organiser, name="q")

    with django_assert_num_queries(8):
        response = client.get(
            "/api/v1/polls", headers={"Authorization": f"Bearer {raw}"}
        )

    assert response.status_code == 200
