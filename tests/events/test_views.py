from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from notifications import email
from tests.factories import EventFactory, MembershipFactory, RsvpFactory, UserFactory


def test_event_page_shows_event_zone_and_viewer_zone(client, event, member):
    member.timezone = "Asia/Tokyo"
    member.save()
    client.force_login(member)

    html = client.get(f"/events/{event.pk}/").content.decode()

    assert "(Europe/Berlin, UTC" in html
    assert "(Asia/Tokyo)" in html


def test_online_link_is_shown_to_attendees_only(client, event, member, charlie):
    event.online_url = "https://meet.example.org/secret-room"
    event.save()
    client.force_login(member)
    before = client.get(f"/events/{event.pk}/").content.decode()
    RsvpFactory(event=event, user=member)

    after = client.get(f"/events/{event.pk}/").content.decode()

    assert "secret-room" not in before
    assert "The online link is shown to people attending." in before
    assert '<a href="https://meet.example.org/secret-room">' in after


def test_members_see_attendee_names_visitors_do_not(client, event, member):
    RsvpFactory(event=event, user=UserFactory(name="Attending Alice"))

    anonymous = client.get(f"/events/{event.pk}/").content.decode()
    client.force_login(member)
    signed_in = client.get(f"/events/{event.pk}/").content.decode()

    assert "Attending Alice" not in anonymous
    assert "Attending Alice" in signed_in
    assert (
        "1 attending" in anonymous.replace("<dd>1</dd>", "1 attending")
        or "<dd>1</dd>" in anonymous
    )


def test_owner_sees_three_lists_with_emails(client, event, owner, member, group):
    RsvpFactory(
        event=event, user=UserFactory(email="yes@example.org"), status="attending"
    )
    RsvpFactory(
        event=event, user=UserFactory(email="no@example.org"), status="not_attending"
    )
    client.force_login(owner)

    lists = {
        which: client.get(
            f"/events/{event.pk}/attendees/?list={which}"
        ).content.decode()
        for which in ("attending", "not_attending", "not_replied")
    }

    assert (
        "yes@example.org" in lists["attending"]
        and "no@example.org" not in lists["attending"]
    )
    assert "no@example.org" in lists["not_attending"]
    assert "mo@example.org" in lists["not_replied"]
    assert "olga@example.org" in lists["not_replied"]


def test_attendees_csv_for_owner(client, event, owner):
    RsvpFactory(event=event, user=UserFactory(name="Yan", email="yes@example.org"))
    client.force_login(owner)

    lines = (
        client.get(f"/events/{event.pk}/attendees.csv").content.decode().splitlines()
    )

    assert lines == [
        "name,email,reply",
        "Yan,yes@example.org,attending",
        "Olga Owner,olga@example.org,not replied",
    ]


def test_event_list_is_paginated_and_upcoming_only(client, group):
    EventFactory(
        group=group,
        start=timezone.now() - timedelta(days=3),
        end=timezone.now() - timedelta(days=3, hours=-1),
        title="Old one",
    )
    EventFactory.create_batch(25, group=group)

    response = client.get("/events/")

    assert len(response.context["page"].object_list) == 20
    assert "Old one" not in response.content.decode()


def test_home_shows_my_groups_events_first(client, event, member):
    other = EventFactory(title="Elsewhere")
    client.force_login(member)

    response = client.get("/")

    assert [e.pk for e in response.context["my_events"]] == [event.pk]
    assert [e.pk for e in response.context["other_events"]] == [other.pk]


def test_home_for_visitors_lists_events_and_groups(client, event):
    response = client.get("/")

    assert [e.pk for e in response.context["other_events"]] == [event.pk]
    assert [g.name for g in response.context["groups"]] == ["Rust Berlin"]


@pytest.mark.parametrize("count", [1, 3])
def test_event_page_query_count_is_fixed(
    client, event, member, django_assert_num_queries, count
):
    RsvpFactory.create_batch(count, event=event)
    client.force_login(member)

    # 5, and the comments section's threads and "following?" (tests/comments).
    with django_assert_num_queries(7):
        client.get(f"/events/{event.pk}/")


@pytest.mark.parametrize("count", [1, 3])
def test_event_list_query_count_is_fixed(
    client, group, django_assert_num_queries, count
):
    EventFactory.create_batch(count, group=group)

    # The groups of the search form's menu, the count, the page.
    with django_assert_num_queries(3):
        client.get("/events/")


@pytest.mark.parametrize("count", [1, 3])
def test_home_query_count_is_fixed(
    client, group, member, django_assert_num_queries, count
):
    EventFactory.create_batch(count, group=group)
    EventFactory.create_batch(count)
    client.force_login(member)

    with django_assert_num_queries(3):
        client.get("/")


@pytest.mark.parametrize("count", [1, 3])
def test_attendee_list_query_count_is_fixed(
    client, event, owner, django_assert_num_queries, count
):
    RsvpFactory.create_batch(count, event=event)
    MembershipFactory.create_batch(count, group=event.group)
    client.force_login(owner)

    with django_assert_num_queries(5):
        client.get(f"/events/{event.pk}/attendees/?list=not_replied")


def test_event_with_5000_replies_renders_without_loading_them(
    client, event, member, django_assert_num_queries
):
    from events.models import Rsvp

    # The 5000 people in one INSERT: the same rows as 5000 factory saves.
    users = User.objects.bulk_create(UserFactory.build_batch(5000))
    Rsvp.objects.bulk_create(
        [Rsvp(event=event, user=u, status="attending") for u in users]
    )
    client.force_login(member)

    with django_assert_num_queries(7):
        response = client.get(f"/events/{event.pk}/")

    assert len(response.context["attendees"]) == 20
    assert "5000" in response.content.decode()


def test_event_page_shows_wall_clock_times_of_event_and_viewer_zones(
    client, group, member
):
    start = datetime(2030, 1, 15, 18, 0, tzinfo=UTC)
    event = EventFactory(group=group, start=start, end=start + timedelta(hours=2))
    member.timezone = "America/New_York"
    member.save()
    client.force_login(member)

    html = client.get(f"/events/{event.pk}/").content.decode()

    assert (
        "Tuesday 15 January 2030, 19:00</time> – 21:00 (Europe/Berlin, UTC+0100)"
        in html
    )
    assert (
        "Your time: Tuesday 15 January 2030, 13:00 – 15:00 (America/New_York)" in html
    )


def test_your_time_is_shown_only_when_the_offset_differs_at_that_instant(
    client, group, member
):
    # Europe/Paris has Berlin's offset all year: nothing to convert.
    start = datetime(2030, 1, 15, 18, 0, tzinfo=UTC)
    event = EventFactory(group=group, start=start, end=start + timedelta(hours=2))
    member.timezone = "Europe/Paris"
    member.save()
    client.force_login(member)
    same = client.get(f"/events/{event.pk}/").content.decode()
    # London is an hour behind Berlin in January.
    member.timezone = "Europe/London"
    member.save()
    differs = client.get(f"/events/{event.pk}/").content.decode()

    assert "Your time" not in same
    assert (
        "Your time: Tuesday 15 January 2030, 18:00 – 20:00 (Europe/London)" in differs
    )


def test_your_time_is_not_shown_when_utc_matches_the_event_zone(client, group, member):
    # Lisbon is UTC+0 in winter: a UTC viewer sees the same wall clock.
    start = datetime(2030, 1, 15, 18, 0, tzinfo=UTC)
    event = EventFactory(
        group=group,
        start=start,
        end=start + timedelta(hours=1),
        timezone="Europe/Lisbon",
    )
    client.force_login(member)  # member.timezone is UTC

    html = client.get(f"/events/{event.pk}/").content.decode()

    assert "Your time" not in html


def test_event_cards_and_emails_show_the_event_zone_time(client, group, member):
    start = datetime(2030, 7, 15, 16, 30, tzinfo=UTC)
    event = EventFactory(group=group, start=start, end=start + timedelta(hours=2))

    html = client.get(f"/groups/{group.slug}/").content.decode()
    rendered = email.render_email(
        "event_announcement", {"event": event, "group": group}
    )

    assert "Mon 15 Jul 2030, 18:30</time>" in html
    assert "Monday 15 July 2030, 18:30 – 20:30 (Europe/Berlin)" in rendered.text


def test_full_event_offers_the_waiting_list(client, group, member):
    event = EventFactory(group=group, capacity=1)
    RsvpFactory(event=event)
    client.force_login(member)

    html = client.get(f"/events/{event.pk}/").content.decode()

    assert ">Join the waiting list</button>" in html


def test_cached_event_cards_follow_replies_and_renames(client, event, member, owner):
    from events.services import event_update, rsvp_set

    before = client.get("/groups/rust-berlin/").content.decode()
    rsvp_set(event=event, user=member, choice="attending")
    event_update(event=event, by=owner, title="Renamed night")

    after = client.get("/groups/rust-berlin/").content.decode()

    assert "0 attending" in before and "Async Rust night" in before
    assert "1 attending" in after and "Renamed night" in after
    assert "Async Rust night" not in after


@pytest.mark.parametrize("count", [1, 3])
def test_home_for_visitors_query_count_is_fixed(
    client, group, django_assert_num_queries, count
):
    for event in EventFactory.create_batch(count, group=group):
        RsvpFactory.create_batch(count, event=event)
    MembershipFactory.create_batch(count)

    # The events with their counts, the groups with theirs.
    with django_assert_num_queries(2):
        client.get("/")


@pytest.mark.parametrize("count", [1, 3])
def test_attending_list_query_count_is_fixed(
    client, event, member, django_assert_num_queries, count
):
    RsvpFactory.create_batch(count, event=event)
    client.force_login(member)

    # The session with its person, the event with its counts, the membership,
    # the page.
    with django_assert_num_queries(4):
        response = client.get(f"/events/{event.pk}/attendees/")

    assert response.context["page"].paginator.count == count


@pytest.mark.parametrize("count", [1, 3])
def test_group_feed_query_count_is_fixed(
    client, group, django_assert_num_queries, count
):
    EventFactory.create_batch(count, group=group)

    # The group, the tag of its events, the events (nothing cached yet).
    with django_assert_num_queries(3):
        client.get("/groups/rust-berlin/calendar.ics")


@pytest.mark.parametrize("count", [1, 3])
def test_personal_feed_query_count_is_fixed(
    client, member, django_assert_num_queries, count
):
    from events.models import CalendarFeed

    feed = CalendarFeed.objects.create(user=member, token=CalendarFeed.new_token())
    for event in EventFactory.create_batch(count):
        RsvpFactory(event=event, user=member)

    # The feed with its person, the tag of their events, the events.
    with django_assert_num_queries(3):
        client.get(feed.get_absolute_url())


def test_attendee_rows_escape_names_and_show_emails_to_owners_only(
    client, event, owner, member
):
    guest = UserFactory(name="<b>Bo</b> & co", email="bo@example.org")
    RsvpFactory(event=event, user=guest, status="attending")
    url = f"/events/{event.pk}/attendees/"

    client.force_login(owner)
    as_owner = client.get(url).content.decode()
    client.force_login(member)
    as_member = client.get(url).content.decode()

    row = "<tr><td>&lt;b&gt;Bo&lt;/b&gt; &amp; co</td>"
    assert f"<tbody>{row}<td>bo@example.org</td></tr></tbody>" in as_owner
    assert f"<tbody>{row}</tr></tbody>" in as_member
