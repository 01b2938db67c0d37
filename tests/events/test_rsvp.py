from datetime import timedelta

import pytest
from django.utils import timezone

from events.models import Rsvp
from events.services import RsvpError, rsvp_set
from groups.models import Membership
from tests.factories import EventFactory, MembershipFactory, UserFactory
from tests.mail import links_in, only_message_to, path_of


def _reply(client, event, choice):
    return client.post(f"/events/{event.pk}/rsvp/", {"choice": choice})


def _status(event, user):
    row = Rsvp.objects.filter(event=event, user=user).first()
    return row.status if row else None


@pytest.mark.parametrize(
    "before,choice,after",
    [
        (None, "attending", "attending"),
        (None, "not_attending", "not_attending"),
        ("attending", "not_attending", "not_attending"),
        ("attending", "none", None),
        ("not_attending", "attending", "attending"),
        ("not_attending", "none", None),
    ],
)
def test_every_state_is_reachable_from_the_others(
    client, event, member, before, choice, after
):
    if before:
        Rsvp.objects.create(event=event, user=member, status=before)
    client.force_login(member)

    response = _reply(client, event, choice)

    assert response.url == f"/events/{event.pk}/"
    assert _status(event, member) == after


def test_non_member_attending_joins_the_group(client, event, charlie):
    client.force_login(charlie)

    _reply(client, event, "attending")

    assert Membership.objects.filter(user=charlie, group=event.group).exists() is True
    assert _status(event, charlie) == "attending"


def test_visitor_is_led_through_signin_and_comes_back_with_reply(
    client, event, charlie, committing
):
    response = _reply(client, event, "attending")
    assert response.url.startswith("/accounts/signin/?next=")

    with committing():
        client.post(response.url, {
            "email": "charlie@example.org", "next": f"/events/{event.pk}/",
            "intent": f"rsvp:{event.pk}:attending",
        })  # fmt: skip
    response = client.post(path_of(links_in(only_message_to("charlie@example.org"))[0]))

    assert response.url == f"/events/{event.pk}/"
    assert _status(event, charlie) == "attending"


def test_no_reply_to_past_event(client, group, member):
    past = EventFactory(
        group=group,
        start=timezone.now() - timedelta(days=2),
        end=timezone.now() - timedelta(days=2) + timedelta(hours=2),
    )
    client.force_login(member)

    response = client.post(
        f"/events/{past.pk}/rsvp/", {"choice": "attending"}, follow=True
    )

    assert (
        "This event has started or is over; it takes no replies."
        in response.content.decode()
    )
    assert _status(past, member) is None


def test_no_reply_to_cancelled_event(event, member):
    event.status = "cancelled"
    event.save()

    with pytest.raises(RsvpError, match="cancelled"):
        rsvp_set(event=event, user=member, choice="attending")

    assert _status(event, member) is None


def test_full_event_puts_people_on_waiting_list_in_order(group):
    event = EventFactory(group=group, capacity=1)
    first, second, third = UserFactory.create_batch(3)

    for person in (first, second, third):
        rsvp_set(event=event, user=person, choice="attending")

    assert [_status(event, p) for p in (first, second, third)] == [
        "attending", "waitlisted", "waitlisted",
    ]  # fmt: skip


def test_withdrawal_moves_first_waiting_person_up(group):
    event = EventFactory(group=group, capacity=1)
    first, second, third = UserFactory.create_batch(3)
    for person in (first, second, third):
        rsvp_set(event=event, user=person, choice="attending")

    rsvp_set(event=event, user=first, choice="none")

    assert [_status(event, p) for p in (first, second, third)] == [
        None, "attending", "waitlisted",
    ]  # fmt: skip


def test_leaving_the_group_frees_a_place_for_the_waiting_list(group, owner):
    from groups.services import membership_leave

    event = EventFactory(group=group, capacity=1)
    first, second = UserFactory.create_batch(2)
    for person in (first, second):
        rsvp_set(event=event, user=person, choice="attending")

    membership_leave(user=first, group=group)

    assert (_status(event, first), _status(event, second)) == (None, "attending")


def test_raising_capacity_moves_waiting_people_up(group, owner):
    from events.services import event_update

    event = EventFactory(group=group, capacity=1)
    first, second = UserFactory.create_batch(2)
    for person in (first, second):
        rsvp_set(event=event, user=person, choice="attending")

    event_update(event=event, by=owner, capacity=2)

    assert _status(event, second) == "attending"


def test_bad_choice_changes_nothing(client, event, member):
    client.force_login(member)

    _reply(client, event, "maybe")

    assert _status(event, member) is None


def test_get_never_replies(client, event, member):
    client.force_login(member)

    assert client.get(f"/events/{event.pk}/rsvp/?choice=attending").status_code == 405
    assert _status(event, member) is None


def test_membership_factory_sanity(group):
    # The unique constraint backs the one-reply-per-person rule.
    from django.db import IntegrityError

    event = EventFactory(group=group)
    person = MembershipFactory(group=group).user
    Rsvp.objects.create(event=event, user=person, status="attending")
    with pytest.raises(IntegrityError):
        Rsvp.objects.create(event=event, user=person, status="not_attending")
