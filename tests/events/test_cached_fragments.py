"""Fragments rendered once and cached under a key of what they show: after a
write, the next request shows it, whichever client (or process) rendered the
fragment before. (The event cards: tests/events/test_views.py.)"""

import re

from django.test import Client

from groups.models import Group
from tests.factories import EventFactory, GroupFactory, MembershipFactory


def test_group_cards_follow_joins_renames_and_new_events(client, group, member):
    before = client.get("/groups/").content.decode()
    MembershipFactory(group=group)
    Group.objects.filter(pk=group.pk).update(name="Rust Brandenburg")
    EventFactory(group=group)

    after = Client().get("/groups/").content.decode()

    assert "Rust Berlin</a></h2>" in before and "<p>1 member</p>" in before
    assert "<p>No upcoming events</p>" in before
    assert "Rust Brandenburg</a></h2>" in after and "<p>2 members</p>" in after
    assert "Rust Berlin" not in after and "Next event:" in after


def test_group_cards_follow_the_language(client, group, member):
    english = client.get("/groups/").content.decode()
    german = client.get("/groups/", headers={"accept-language": "de"}).content.decode()

    assert "<p>1 member</p>" in english
    assert "<p>1 Mitglied</p>" in german


def test_the_group_menu_follows_new_groups_and_renames(client, group):
    before = client.get("/events/").content.decode()
    GroupFactory(name="Zig Leipzig", slug="zig-leipzig")
    Group.objects.filter(pk=group.pk).update(name="Rust Brandenburg")

    after = Client().get("/events/").content.decode()

    assert '<option value="rust-berlin">Rust Berlin</option>' in before
    assert "zig-leipzig" not in before
    assert '<option value="rust-berlin">Rust Brandenburg</option>' in after
    assert '<option value="zig-leipzig">Zig Leipzig</option>' in after


def test_the_search_fields_show_each_requests_values_and_errors(client, event):
    first = client.get("/events/?q=async&format=online").content.decode()
    second = Client().get("/events/?q=rust&format=nowhere").content.decode()

    assert 'value="async"' in first and 'value="rust"' not in first
    assert 'value="rust"' in second and 'value="async"' not in second
    assert "Choose any, online or in person." in second
    assert "Choose any, online or in person." not in first


def test_a_card_reply_posted_with_its_own_csrf_token_is_saved(group, member):
    from events.models import Rsvp
    from tests.factories import series_events

    events = series_events(group=group)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)

    html = browser.get("/groups/rust-berlin/").content.decode()
    token = re.search(
        rf'action="/events/{events[0].pk}/rsvp/">\s*<input type="hidden" '
        r'name="csrfmiddlewaretoken" value="([^"]+)"',
        html,
    ).group(1)
    response = browser.post(
        f"/events/{events[0].pk}/rsvp/",
        {"choice": "attending", "csrfmiddlewaretoken": token},
    )

    assert response.status_code == 302
    assert Rsvp.objects.get(user=member).event == events[0]


def test_the_comment_form_follows_the_language(client, event, member):
    client.force_login(member)
    english = client.get(f"/events/{event.pk}/").content.decode()
    german = Client()
    german.force_login(member)

    html = german.get(
        f"/events/{event.pk}/", headers={"accept-language": "de"}
    ).content.decode()

    assert '<label for="id_body">Your comment:</label>' in english
    assert '<label for="id_body">Dein Kommentar:</label>' in html
    assert "Your comment" not in html


def test_the_home_pages_groups_follow_joins_and_renames(client, group, member):
    before = client.get("/").content.decode()
    MembershipFactory(group=group)
    Group.objects.filter(pk=group.pk).update(name="Rust Brandenburg")

    after = Client().get("/").content.decode()

    assert (
        '<ul class="plain-list"><li><a href="/groups/rust-berlin/">Rust Berlin</a>'
        " — 1 member</li></ul>"
    ) in before
    assert (
        '<ul class="plain-list"><li><a href="/groups/rust-berlin/">Rust Brandenburg'
        "</a> — 2 members</li></ul>"
    ) in after


def test_cards_read_as_values_follow_replies_renames_and_moves(
    client, event, member, owner
):
    from events.services import event_update, rsvp_set

    before = [client.get(url).content.decode() for url in ("/", "/events/")]
    rsvp_set(event=event, user=member, choice="attending")
    event_update(event=event, by=owner, title="Renamed night")
    Group.objects.filter(pk=event.group_id).update(name="Rust Brandenburg")

    after = [Client().get(url).content.decode() for url in ("/", "/events/")]

    for html in before:
        assert "Async Rust night" in html and "<p>0 attending</p>" in html
    for html in after:
        assert "Renamed night" in html and "<p>1 attending</p>" in html
        assert '<p class="muted">Rust Brandenburg</p>' in html
        assert "Async Rust night" not in html
