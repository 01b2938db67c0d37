"""Search and filters on /events/ and /groups/, read as the rendered pages."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from core.search import _words_search
from events.models import Event
from tests.factories import (
    EventFactory,
    GroupFactory,
    MembershipFactory,
    RsvpFactory,
    UserFactory,
)

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL full-text search"
)


def cards(html: str) -> list[str]:
    """The titles of the cards on a list page, in order."""
    return re.findall(r'<h2><a href="/(?:events/\d+|groups/[\w-]+)/">([^<]+)</a>', html)


def page_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def past_event(days_ago: int, **kwargs) -> Event:
    start = timezone.now() - timedelta(days=days_ago)
    return EventFactory(start=start, end=start + timedelta(hours=2), **kwargs)


def test_search_finds_events_by_title_venue_and_description(client, group):
    EventFactory(group=group, title="Async Rust night")
    EventFactory(group=group, title="Pub quiz", venue="The Rusty Anchor")
    EventFactory(group=group, title="Talks", description="All about *Rust* macros.")
    EventFactory(group=group, title="Go meetup")

    html = page_of(client, "/events/?q=rust")

    assert sorted(cards(html)) == ["Async Rust night", "Talks"]
    assert "2 events found." in html


def test_search_form_keeps_the_values_and_offers_to_clear_them(client, group):
    html = page_of(
        client, "/events/?q=async+rust&group=rust-berlin&when=past&format=online"
    )

    assert 'role="search" aria-label="Search events"' in html
    assert 'name="q" value="async rust"' in html
    assert '<option value="rust-berlin" selected>Rust Berlin</option>' in html
    assert '<option value="past" selected>Past</option>' in html
    assert '<option value="online" selected>Online</option>' in html
    assert '<a href="/events/">Clear filters</a>' in html
    assert "<title>Past events" in html


def test_group_menu_escapes_names_and_marks_the_choice(client, group):
    GroupFactory(name='<b>"Bold" & co</b>', slug="bold")

    html = page_of(client, "/events/?group=bold")

    assert (
        '<select name="group" id="id_group"><option value="">Any group</option>'
        '<option value="bold" selected>&lt;b&gt;&quot;Bold&quot; &amp; co&lt;/b&gt;'
        '</option><option value="rust-berlin">Rust Berlin</option></select>'
    ) in html


def test_unfiltered_list_offers_no_clear_link(client, event):
    html = page_of(client, "/events/")

    assert cards(html) == ["Async Rust night"]
    assert "Clear filters" not in html
    assert '<a href="/events/?when=past">Past events</a>' in html


def test_group_filter_shows_only_that_groups_events(client, group, event):
    EventFactory(title="Elsewhere")

    html = page_of(client, "/events/?group=rust-berlin")

    assert cards(html) == ["Async Rust night"]


def test_format_filter_counts_hybrid_events_as_both(client, group):
    EventFactory(group=group, title="Hall only", venue="Hall")
    EventFactory(group=group, title="Call only", venue="", online_url="https://x.test/")
    EventFactory(group=group, title="Both", venue="Hall", online_url="https://x.test/")

    online = cards(page_of(client, "/events/?format=online"))
    in_person = cards(page_of(client, "/events/?format=in_person"))

    assert sorted(online) == ["Both", "Call only"]
    assert sorted(in_person) == ["Both", "Hall only"]


def test_past_events_are_listed_newest_first(client, group, event):
    past_event(30, group=group, title="A month ago")
    past_event(2, group=group, title="Two days ago")

    html = page_of(client, "/events/?when=past")

    assert cards(html) == ["Two days ago", "A month ago"]
    assert "<h1>Past events</h1>" in html
    assert '<a href="/events/">Upcoming events</a>' in html


def test_search_in_past_events(client, group, event):
    past_event(30, group=group, title="Rust error handling")
    past_event(2, group=group, title="Pizza")

    assert cards(page_of(client, "/events/?q=rust&when=past")) == [
        "Rust error handling"
    ]


def test_no_match_says_so(client, event):
    html = page_of(client, "/events/?q=haskell")

    assert cards(html) == []
    assert "No events match these filters." in html
    assert '<a href="/events/">Clear filters</a>' in html


def test_pages_keep_the_filters_in_their_links(client, group):
    EventFactory.create_batch(45, group=group, title="Rust night")

    html = page_of(client, "/events/?q=rust&format=in_person&page=2")

    assert len(cards(html)) == 20
    assert "Page 2 of 3" in html
    assert (
        '<a href="?q=rust&amp;format=in_person&amp;page=1" rel="prev">Previous page</a>'
        in html
    )
    assert (
        '<a href="?q=rust&amp;format=in_person&amp;page=3" rel="next">Next page</a>'
        in html
    )


@pytest.mark.parametrize(
    ("page", "shown"), [("abc", "Page 1 of 2"), ("99999", "Page 2 of 2")]
)
def test_a_bad_page_number_shows_the_first_or_last_page(client, group, page, shown):
    EventFactory.create_batch(25, group=group)

    html = page_of(client, f"/events/?page={page}")

    assert shown in html


def test_a_10000_character_search_is_refused_with_a_message(client, event):
    html = page_of(client, "/events/?q=" + "x" * 10_000)

    assert "Ensure this value has at most 200 characters (it has 10000)." in html
    assert cards(html) == []


def test_control_characters_in_the_search_are_read_as_spaces(client, event):
    html = page_of(client, "/events/?q=async%1Brust%0Anight")

    assert cards(html) == ["Async Rust night"]
    assert 'name="q" value="async rust night"' in html


def test_unknown_choices_are_refused_with_messages(client, event):
    html = page_of(client, "/events/?group=nope&when=soon&format=3d")

    assert "Choose a group from the list." in html
    assert "Choose upcoming or past." in html
    assert "Choose any, online or in person." in html
    assert cards(html) == []


def test_a_nul_byte_in_the_search_answers_400(client, event):
    response = client.get("/events/?q=a%00b")

    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


def test_search_never_reads_the_online_link(client, event, member):
    event.online_url = "https://meet.example.org/secret-room"
    event.save()

    assert cards(page_of(client, "/events/?q=secret-room")) == []
    assert cards(page_of(client, "/events/?q=meet.example.org")) == []


def test_search_never_reads_who_replied_or_belongs(client, event, member):
    RsvpFactory(event=event, user=UserFactory(name="Zelda Attendee"))

    assert cards(page_of(client, "/events/?q=zelda")) == []
    assert cards(page_of(client, "/groups/?q=mo+member")) == []


@pytest.mark.parametrize("count", [1, 3])
def test_search_query_count_is_fixed(client, group, django_assert_num_queries, count):
    EventFactory.create_batch(count, group=group, title="Rust night")
    EventFactory(title="Unrelated")

    # The groups of the menu, the count, the page.
    with django_assert_num_queries(3):
        html = page_of(client, "/events/?q=rust&group=rust-berlin&format=in_person")

    assert len(cards(html)) == count


@pytest.mark.parametrize("page", [1, 3])
def test_query_count_is_the_same_on_every_page(
    client, group, django_assert_num_queries, page
):
    EventFactory.create_batch(45, group=group, title="Rust night")

    with django_assert_num_queries(3):
        html = page_of(client, f"/events/?q=rust&page={page}")

    assert f"Page {page} of 3" in html


def test_group_search_finds_by_name_location_and_description(client, group):
    GroupFactory(name="Kotlin Hamburg", location="Hamburg")
    GroupFactory(name="Functional folks", location="Berlin")
    GroupFactory(name="Readers", description="We read papers in **Berlin**.")

    html = page_of(client, "/groups/?q=berlin")

    assert sorted(cards(html)) == ["Functional folks", "Readers", "Rust Berlin"]
    assert 'name="q" value="berlin"' in html
    assert '<a href="/groups/">Clear search</a>' in html


def test_group_list_is_paginated_and_keeps_the_search(client, db):
    GroupFactory.create_batch(25, description="Board games")

    html = page_of(client, "/groups/?q=games")

    assert len(cards(html)) == 20
    assert '<a href="?q=games&amp;page=2" rel="next">Next page</a>' in html


@pytest.mark.parametrize("count", [1, 3])
def test_group_search_query_count_is_fixed(
    client, db, django_assert_num_queries, count
):
    for group in GroupFactory.create_batch(count, name="Rust club"):
        MembershipFactory(group=group)
        EventFactory(group=group)

    # The count and the page.
    with django_assert_num_queries(2):
        html = page_of(client, "/groups/?q=rust")

    assert len(cards(html)) == count


def test_word_search_fallback_needs_every_word_in_some_column(group):
    EventFactory(group=group, title="Rust night", venue="c-base")
    EventFactory(group=group, title="Rust day", venue="Hall")

    found = _words_search(Event.objects.all(), 'rust "C-BASE"', ["title", "venue"])

    assert [e.title for e in found] == ["Rust night"]


@postgres_only
def test_title_matches_rank_above_description_matches(client, group):
    EventFactory(group=group, title="Talks", description="Then some rust.")
    EventFactory(group=group, title="Pub", venue="Rust tavern")
    EventFactory(group=group, title="Rust night")

    html = page_of(client, "/events/?q=rust")

    # Title (A), then venue (B), then description (C), whatever the dates.
    assert cards(html) == ["Rust night", "Pub", "Talks"]


@postgres_only
def test_web_search_syntax_stems_quotes_and_excludes(client, group):
    EventFactory(group=group, title="Embedded workshop")
    EventFactory(group=group, title="Async workshop for beginners")
    EventFactory(group=group, title="Beginners workshop")

    assert len(cards(page_of(client, "/events/?q=workshops"))) == 3
    assert sorted(cards(page_of(client, "/events/?q=embedded+or+async"))) == [
        "Async workshop for beginners",
        "Embedded workshop",
    ]
    assert cards(page_of(client, "/events/?q=workshop+-beginners")) == [
        "Embedded workshop"
    ]
    assert cards(page_of(client, '/events/?q="beginners+workshop"')) == [
        "Beginners workshop"
    ]


@postgres_only
@pytest.mark.parametrize(
    ("model", "index"),
    [("events_event", "event_search_idx"), ("groups_group", "group_search_idx")],
)
def test_search_uses_the_gin_index(group, model, index):
    from groups.models import Group

    queryset = (Event if model == "events_event" else Group).objects.search("rust")
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # A few rows would be read sequentially; forbid that to see the plan.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert f"Bitmap Index Scan on {index}" in plan
