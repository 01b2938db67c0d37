"""Every way a reply is written keeps the event's stored reply counts right.

The counts are kept by triggers (core.counters), so these tests write through
each path the site has and compare the stored numbers with the rows.
"""

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.services import account_delete
from events.models import Event, EventCounts, Rsvp
from events.services import event_update, rsvp_set
from groups.services import membership_leave
from tests.factories import EventFactory, RsvpFactory, UserFactory


def counts(event: Event) -> tuple[int, int, int]:
    """(attending, waitlisted, not attending) stored, checked against the rows."""
    row = EventCounts.objects.get(event=event)
    stored = (row.attending, row.waitlisted, row.not_attending)
    rows = Rsvp.objects.filter(event=event)
    statuses = ("attending", "waitlisted", "not_attending")
    assert stored == tuple(rows.filter(status=s).count() for s in statuses)
    return stored


def _reply(client, event, choice):
    return client.post(f"/events/{event.pk}/rsvp/", {"choice": choice})


def test_a_new_event_starts_at_zero(event):
    assert counts(event) == (0, 0, 0)


@pytest.mark.parametrize(
    "choices,after",
    [
        (["attending"], (1, 0, 0)),
        (["not_attending"], (0, 0, 1)),
        (["attending", "not_attending"], (0, 0, 1)),
        (["not_attending", "attending"], (1, 0, 0)),
        (["attending", "none"], (0, 0, 0)),
        (["attending", "attending"], (1, 0, 0)),
    ],
)
def test_replying_and_changing_the_reply_is_counted(
    client, event, member, choices, after
):
    client.force_login(member)

    for choice in choices:
        _reply(client, event, choice)

    assert counts(event) == after


def test_a_full_event_counts_the_waiting_list(group):
    event = EventFactory(group=group, capacity=1)

    for person in UserFactory.create_batch(3):
        rsvp_set(event=event, user=person, choice="attending")

    assert counts(event) == (1, 2, 0)


def test_moving_up_from_the_waiting_list_is_counted(group):
    event = EventFactory(group=group, capacity=1)
    first, second, third = UserFactory.create_batch(3)
    for person in (first, second, third):
        rsvp_set(event=event, user=person, choice="attending")

    rsvp_set(event=event, user=first, choice="none")

    assert counts(event) == (1, 1, 0)


def test_raising_the_capacity_counts_the_people_moved_up(group, owner):
    event = EventFactory(group=group, capacity=1)
    for person in UserFactory.create_batch(3):
        rsvp_set(event=event, user=person, choice="attending")

    event_update(event=event, by=owner, capacity=3)

    assert counts(event) == (3, 0, 0)


def test_leaving_the_group_uncounts_future_replies(group, owner, event, member):
    rsvp_set(event=event, user=member, choice="attending")

    membership_leave(user=member, group=group)

    assert counts(event) == (0, 0, 0)


def test_deleting_an_account_uncounts_its_replies(group, event, member):
    RsvpFactory(event=event, user=member, status="not_attending")
    RsvpFactory(event=event)

    account_delete(user=member)

    assert counts(event) == (1, 0, 0)


def test_an_imported_event_counts_its_replies(group, owner, member, tmp_path):
    group.memberships.update(export_consent=True)
    event = EventFactory(group=group, uid="async@meetings")
    RsvpFactory(event=event, user=member)
    RsvpFactory(event=event, user=owner, status="not_attending")
    path = tmp_path / "group.zip"
    call_command("export_group", group.slug, "--output", str(path), stdout=StringIO())
    group.delete()

    call_command("import_group", str(path), "--owner", owner.email, stdout=StringIO())

    assert counts(Event.objects.get(uid="async@meetings")) == (1, 0, 1)


@pytest.fixture
def admin_client(client, staff):
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    return client


def test_a_reply_changed_in_the_admin_is_counted(admin_client, event, member):
    reply = RsvpFactory(event=event, user=member)
    start = reply.created_at
    admin_client.post(
        f"/admin/events/rsvp/{reply.pk}/change/",
        {
            "event": event.pk,
            "user": member.pk,
            "status": "waitlisted",
            "waitlisted_at_0": "",
            "waitlisted_at_1": "",
            "created_at_0": start.date().isoformat(),
            "created_at_1": start.time().isoformat(timespec="seconds"),
            "updated_at_0": start.date().isoformat(),
            "updated_at_1": start.time().isoformat(timespec="seconds"),
        },
    )

    assert Rsvp.objects.get(pk=reply.pk).status == "waitlisted"
    assert counts(event) == (0, 1, 0)


def test_a_reply_deleted_in_the_admin_is_uncounted(admin_client, event, member):
    reply = RsvpFactory(event=event, user=member)

    admin_client.post(f"/admin/events/rsvp/{reply.pk}/delete/", {"post": "yes"})

    assert Rsvp.objects.filter(pk=reply.pk).exists() is False
    assert counts(event) == (0, 0, 0)


def test_deleting_an_event_deletes_its_counts(event, member):
    RsvpFactory(event=event, user=member)

    event.delete()

    assert EventCounts.objects.count() == 0
