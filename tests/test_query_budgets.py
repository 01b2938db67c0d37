"""Every page costs the same number of SQL queries with 1 and 3 of everything.

The pages are the GET rows of the permission matrix, as every role, so pages
added there by later features are covered here too. A page whose count grows
with the data runs a query per row somewhere (an N+1): annotate, select_related
or prefetch_related instead.
"""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from groups.models import Group
from mailings.models import Mailing
from mailings.services import mailing_queue
from tests.factories import (
    CommentFactory,
    EventFactory,
    GroupFactory,
    MembershipFactory,
    RsvpFactory,
    UserFactory,
    series_events,
)
from tests.test_permissions import MATRIX, ROLES, world  # noqa: F401 (a fixture)


def add_everything(world, n: int) -> None:  # noqa: F811
    """n more of each thing a page lists: members, events, series (replied to),
    replies, groups, mails, comments (a thread with a reply, and a hidden reply)."""
    from comments.models import Comment
    from events.models import Event

    group = Group.objects.get(slug=world["slug"])
    event = Event.objects.get(pk=world["event"])
    world_comment = Comment.objects.get(pk=world["comment"])
    people = [p for p in world["people"].values() if p is not None]
    past = timezone.now() - timedelta(days=30)
    for _ in range(n):
        for status in ("attending", "not_attending", "waitlisted"):
            newcomer = MembershipFactory(group=group).user
            RsvpFactory(event=event, user=newcomer, status=status)
        upcoming = EventFactory(group=group)
        RsvpFactory(event=upcoming, user=world["people"]["member"])
        for later in series_events(group=group):
            RsvpFactory(event=later, user=world["people"]["member"])
        EventFactory(group=group, start=past, end=past + timedelta(hours=2))
        other = GroupFactory()
        MembershipFactory(group=other, role="owner")
        for person in people:
            MembershipFactory(group=other, user=person)
        RsvpFactory(event=EventFactory(group=other), user=UserFactory())
        thread = CommentFactory(event=event, author=newcomer)
        CommentFactory(event=event, parent=thread)
        CommentFactory(event=event, parent=world_comment, hidden_at=timezone.now())
        mailing_queue(
            mailing=Mailing.objects.create(
                group=group,
                event=event,
                audience="attending",
                subject="News",
                body="Hi",
                author=world["people"]["owner"],
            )
        )


def _query_counts(client, world, role: str) -> dict[str, int]:  # noqa: F811
    params = {k: v for k, v in world.items() if k != "people"}
    counts = {}
    for method, url, _ in MATRIX:
        if method != "get":
            continue
        path = url.format(**params)
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        counts[path] = len(queries)
    return counts


@pytest.mark.parametrize("role", ROLES)
def test_pages_cost_the_same_queries_with_one_and_three_of_everything(
    client,
    world,  # noqa: F811
    role,
):
    if world["people"][role] is not None:
        client.force_login(world["people"][role])
    add_everything(world, 1)
    with_one = _query_counts(client, world, role)

    add_everything(world, 2)
    # A poll logs one view an hour per viewer (one query fewer for a repeat
    # within the hour): measure the second round as a fresh view too.
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        with_three = _query_counts(client, world, role)

    assert with_three == with_one
