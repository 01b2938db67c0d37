"""The event page as people meet it: where, how to add it, who comes, your state."""

import html as htmllib
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from events.models import Rsvp
from tests.factories import EventFactory, MembershipFactory, RsvpFactory, UserFactory


def _links(html: str) -> dict[str, str]:
    """Link text -> href of every <a> on the page (last one wins)."""
    import re

    found = {}
    for href, text in re.findall(r'<a href="([^"]*)"[^>]*>(.*?)</a>', html, re.S):
        found[re.sub(r"<[^>]+>", "", text).strip()] = htmllib.unescape(href)
    return found


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


@pytest.fixture
def dated(group, owner):
    start = datetime(2030, 1, 15, 18, 0, tzinfo=UTC)
    return EventFactory(
        group=group,
        title="Async Rust night",
        start=start,
        end=start + timedelta(hours=2),
        venue="c-base, Rungestraße 20, Berlin",
        created_by=owner,
    )


def test_venue_links_to_openstreetmap(client, dated):
    links = _links(client.get(f"/events/{dated.pk}/").content.decode())

    url = links["Show on OpenStreetMap"]
    assert url.startswith("https://www.openstreetmap.org/search?")
    assert _query(url) == {"query": "c-base, Rungestraße 20, Berlin"}


def test_online_only_event_has_no_map_link(client, group):
    event = EventFactory(group=group, venue="", online_url="https://meet.example.org/x")

    html = client.get(f"/events/{event.pk}/").content.decode()

    assert "OpenStreetMap" not in html


def test_google_and_outlook_links_carry_the_event_in_utc(client, dated):
    links = _links(client.get(f"/events/{dated.pk}/").content.decode())
    page = f"https://meetings.test/events/{dated.pk}/"

    google = links["Google Calendar"]
    assert google.startswith("https://calendar.google.com/calendar/render?")
    assert _query(google) == {
        "action": "TEMPLATE",
        "text": "Async Rust night",
        "dates": "20300115T180000Z/20300115T200000Z",
        "details": page,
        "location": "c-base, Rungestraße 20, Berlin",
    }
    outlook = links["Outlook.com"]
    assert outlook.startswith("https://outlook.live.com/calendar/0/deeplink/compose?")
    assert _query(outlook) == {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": "Async Rust night",
        "startdt": "2030-01-15T18:00:00Z",
        "enddt": "2030-01-15T20:00:00Z",
        "body": page,
        "location": "c-base, Rungestraße 20, Berlin",
    }
    assert links["Download .ics file"] == f"/events/{dated.pk}/event.ics"


def test_calendar_links_never_carry_the_online_link(client, group, member):
    event = EventFactory(
        group=group, venue="", online_url="https://meet.example.org/secret"
    )
    RsvpFactory(event=event, user=member)
    client.force_login(member)

    links = _links(client.get(f"/events/{event.pk}/").content.decode())

    assert "secret" not in links["Google Calendar"] + links["Outlook.com"]
    assert _query(links["Google Calendar"])["location"] == "Online"


def test_share_link_is_the_absolute_event_address(client, dated):
    html = client.get(f"/events/{dated.pk}/").content.decode()
    links = _links(html)

    address = f"https://meetings.test/events/{dated.pk}/"
    assert links[address] == address
    assert "Share this event" in html
    # The copy button is added by static/js/share.js; without JS it stays hidden.
    assert 'data-copy="' + address + '"' in html


def test_a_visitor_is_invited_to_reply_not_told_they_have_not(client, event):
    html = client.get(f"/events/{event.pk}/").content.decode()

    assert "You have not replied" not in html
    assert "Reply below; you will be asked to sign in first." in html


def test_reply_states_are_spelled_out(client, event, member):
    client.force_login(member)
    none = client.get(f"/events/{event.pk}/").content.decode()
    rsvp = RsvpFactory(event=event, user=member)
    going = client.get(f"/events/{event.pk}/").content.decode()
    rsvp.status = Rsvp.Status.NOT_ATTENDING
    rsvp.save()
    not_going = client.get(f"/events/{event.pk}/").content.decode()

    assert "You have not replied." in none
    assert "You’re going." in going
    assert "You’re not going." in not_going


def test_waiting_list_position_is_shown_to_the_person(client, group, member):
    event = EventFactory(group=group, capacity=1)
    RsvpFactory(event=event)
    now = timezone.now()
    for minutes in (1, 2):
        RsvpFactory(
            event=event,
            status=Rsvp.Status.WAITLISTED,
            waitlisted_at=now - timedelta(minutes=10 - minutes),
        )
    RsvpFactory(
        event=event, user=member, status=Rsvp.Status.WAITLISTED, waitlisted_at=now
    )
    RsvpFactory(
        event=event,
        status=Rsvp.Status.WAITLISTED,
        waitlisted_at=now + timedelta(minutes=1),
    )
    client.force_login(member)

    html = client.get(f"/events/{event.pk}/").content.decode()

    assert "You’re on the waiting list: number 3 of 4." in html


def test_past_event_says_attended_on_the_page_and_the_card(client, group, member):
    start = timezone.now() - timedelta(days=3)
    event = EventFactory(group=group, start=start, end=start + timedelta(hours=2))
    RsvpFactory.create_batch(2, event=event)
    RsvpFactory(event=event, user=member)
    client.force_login(member)

    page = client.get(f"/events/{event.pk}/").content.decode()
    card = client.get(f"/groups/{group.slug}/").content.decode()

    assert "<dt>Attended</dt>" in page
    assert "You attended." in page
    assert "Who came" in page
    assert "3 attended" in card
    assert "attending" not in card.split("Past events", 1)[1]


def test_who_is_coming_shows_initials_avatars(client, event, member):
    RsvpFactory(event=event, user=UserFactory(name="Ada Lovelace"))
    RsvpFactory(event=event, user=UserFactory(name="grace"))
    RsvpFactory(event=event, user=UserFactory(name="李小龍"))
    client.force_login(member)

    html = client.get(f"/events/{event.pk}/").content.decode()

    assert '<span class="avatar avatar-' in html
    assert 'aria-hidden="true">AL</span> Ada Lovelace' in html
    assert 'aria-hidden="true">G</span> grace' in html
    assert 'aria-hidden="true">李</span> 李小龍' in html


def test_who_is_coming_escapes_names_in_order_of_reply(client, event, member):
    first = RsvpFactory(event=event, user=UserFactory(name="<b>Bo</b>")).user
    second = RsvpFactory(event=event, user=UserFactory(name="Cy & Di")).user
    client.force_login(member)

    html = client.get(f"/events/{event.pk}/").content.decode()

    assert (
        f'<ul class="people"><li><span class="avatar avatar-{first.pk % 8}" '
        'aria-hidden="true">B</span> &lt;b&gt;Bo&lt;/b&gt;</li>'
        f'<li><span class="avatar avatar-{second.pk % 8}" aria-hidden="true">CD'
        "</span> Cy &amp; Di</li></ul>"
    ) in html


def test_the_only_owner_is_not_offered_to_leave(client, group, owner, member):
    client.force_login(owner)
    only = client.get(f"/groups/{group.slug}/").content.decode()
    leave_page = client.get(f"/groups/{group.slug}/leave/").content.decode()
    MembershipFactory(group=group, user=UserFactory(), role="owner")
    two = client.get(f"/groups/{group.slug}/").content.decode()

    assert "Leave this group" not in only
    assert "You are the only owner" in only
    assert "You are the only owner" in leave_page
    assert "<button" not in leave_page.split("<main", 1)[1].split("</main>")[0]
    assert "Leave this group" in two


def test_waiting_list_position_counts_older_rows_without_a_date_last(
    client, group, member
):
    event = EventFactory(group=group, capacity=1)
    RsvpFactory(event=event)
    RsvpFactory(
        event=event, status=Rsvp.Status.WAITLISTED, waitlisted_at=timezone.now()
    )
    RsvpFactory(event=event, status=Rsvp.Status.WAITLISTED, waitlisted_at=None)
    RsvpFactory(
        event=event, user=member, status=Rsvp.Status.WAITLISTED, waitlisted_at=None
    )
    client.force_login(member)

    html = client.get(f"/events/{event.pk}/").content.decode()

    assert "You’re on the waiting list: number 3 of 3." in html
