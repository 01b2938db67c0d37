"""Whole journeys in a real browser, each from a blank one, with and without JS.

The product is server-rendered and must work without JavaScript, so every
journey runs twice: `js` is True, then False.
"""

import re
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.models import User
from events.models import Event, Rsvp
from events.services import rsvp_set
from groups.models import Membership
from tests.e2e.steps import last_link_to, message, nav, sign_in, tab_to
from tests.factories import EventFactory, MembershipFactory, RsvpFactory, UserFactory
from timepolls.models import Poll

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"]),
]

BERLIN = ZoneInfo("Europe/Berlin")


def test_visitor_signs_up_joins_and_replies(page, event):
    page.goto("/")
    nav(page, "Sign up")
    page.get_by_label("Your name").fill("Vera Visitor")
    page.get_by_label("Email address").fill("Vera@Example.org")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    page.goto(last_link_to("vera@example.org"))
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    message(page, "You are signed in as vera@example.org.")
    vera = User.objects.get(email="vera@example.org")
    assert vera.is_verified is True

    nav(page, "Groups")
    page.get_by_role("link", name="Rust Berlin").click()
    page.get_by_role("button", name="Join this group").click()
    message(page, "Welcome to Rust Berlin!")
    assert Membership.objects.filter(user=vera, group=event.group).exists()

    page.get_by_role("link", name="Async Rust night").click()
    for button, reply in [
        ("Attending", "attending"),
        ("Not attending", "not_attending"),
    ]:
        page.get_by_role("button", name=button, exact=True).click()
        message(page, f"Your reply: {reply.replace('_', ' ')}.")
        assert Rsvp.objects.get(event=event, user=vera).status == reply
    page.get_by_role("button", name="Withdraw my reply").click()
    message(page, "Your reply is withdrawn.")
    expect(page.get_by_text("You have not replied.")).to_be_visible()
    assert Rsvp.objects.filter(event=event, user=vera).exists() is False


def test_sign_up_takes_the_browsers_time_zone(new_page, live_server, js):
    page = new_page(base_url=live_server.url, js=js, timezone_id="America/Sao_Paulo")
    page.goto("/accounts/signup/")
    zone = page.get_by_label("Time zone")
    expect(zone).to_have_value("America/Sao_Paulo" if js else "")
    page.get_by_label("Your name").fill("Zélia")
    page.get_by_label("Email address").fill("zelia@example.org")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

    saved = User.objects.get(email="zelia@example.org").timezone
    assert saved == ("America/Sao_Paulo" if js else "UTC")


def _wall(dt: datetime) -> str:
    return dt.astimezone(BERLIN).strftime("%Y-%m-%dT%H:%M")


def test_owner_creates_edits_and_emails_members_who_have_not_replied(
    page, group, owner, member
):
    ann = UserFactory(email="ann@example.org", name="Ann")
    MembershipFactory(user=ann, group=group)
    start = (datetime.now(BERLIN) + timedelta(days=10)).replace(
        hour=19, minute=0, second=0, microsecond=0
    )
    sign_in(page, owner.email)

    nav(page, "Groups")
    page.get_by_role("link", name="Rust Berlin").click()
    page.get_by_role("link", name="Create an event").click()
    page.get_by_label("Title").fill("Rust and WebAssembly")
    page.get_by_label("Starts").fill(_wall(start))
    page.get_by_label("Ends").fill(_wall(start + timedelta(hours=2)))
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Berlin")
    page.get_by_label("Venue").fill("c-base")
    page.get_by_role("button", name="Create event").click()
    message(page, "The event is created.")
    event = Event.objects.get(title="Rust and WebAssembly")
    assert event.start == start

    page.get_by_role("link", name="Edit this event").click()
    page.get_by_label("Starts").fill(_wall(start + timedelta(hours=1)))
    page.get_by_label("Ends").fill(_wall(start + timedelta(hours=3)))
    page.get_by_role("button", name="Save event").click()
    message(page, "The event is saved.")
    expect(page.get_by_role("main")).to_contain_text("20:00 – 22:00")
    event.refresh_from_db()
    assert (event.start, event.sequence) == (start + timedelta(hours=1), 1)

    rsvp_set(event=event, user=member, choice="attending")
    page.get_by_role("link", name="Email members who have not replied").click()
    expect(page.get_by_label("Send to")).to_have_value("not_replied")
    page.get_by_label("Subject").fill("Are you coming?")
    page.get_by_label("Message (Markdown)").fill("Please **reply** by Friday.")
    page.get_by_role("button", name="Preview the message").click()
    expect(page.locator("#recipient-count")).to_have_text("2 recipients")
    page.get_by_role("button", name="Send to 2 recipients").click()
    message(page, "Your message is queued for 2 recipients.")
    assert [m.subject for m in mail.outbox if m.subject == "Are you coming?"] == []

    call_command("send_mail_queue", "--once", stdout=StringIO())

    sent = sorted(m.to[0] for m in mail.outbox if m.subject == "Are you coming?")
    assert sent == ["ann@example.org", "olga@example.org"]


def test_organiser_creates_a_poll_from_rows_of_dates_and_times(page, owner, js):
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    day = (datetime.now(BERLIN) + timedelta(days=7)).date()
    sign_in(page, owner.email)
    page.goto("/polls/new/")
    page.get_by_label("Title").fill("Planning call")
    page.get_by_label("Time zone").fill("Europe/Berlin")
    for number, start in [(1, "10:00"), (3, "14:30")]:
        row = page.get_by_role("group", name=f"Time {number}", exact=True)
        row.get_by_label("Date").fill(day.isoformat())
        row.get_by_label("Start time").fill(start)
    typed = len(posts)

    page.get_by_role("button", name="Add another time").click()

    fourth = page.get_by_role("group", name="Time 4", exact=True)
    expect(fourth.get_by_label("Date")).to_be_visible()
    assert len(posts) - typed == (0 if js else 1)  # instant with JS, a submit without
    expect(page.get_by_label("Title")).to_have_value("Planning call")
    third = page.get_by_role("group", name="Time 3", exact=True)
    expect(third.get_by_label("Start time")).to_have_value("14:30")
    fourth.get_by_label("Date").fill(day.isoformat())
    fourth.get_by_label("Start time").fill("09:15")
    page.get_by_label("Email addresses (optional)").fill("Gus <gus@example.net>")
    page.get_by_label("Email the private links now").uncheck()
    page.get_by_role("button", name="Create poll").click()

    message(page, "The poll is created.")
    poll = Poll.objects.get(title="Planning call")
    assert [t.start.astimezone(BERLIN).strftime("%H:%M") for t in poll.times.all()] == [
        "09:15",
        "10:00",
        "14:30",
    ]
    grid = page.get_by_role("table", name="Each party's answer for each time")
    expect(grid.get_by_role("columnheader")).to_have_text(
        ["Time", "Olga Owner (you)", "Gus", "Totals", "Decide"]
    )


def test_enter_in_a_field_of_the_new_poll_form_creates_the_poll(page, owner, js):
    day = (datetime.now(BERLIN) + timedelta(days=7)).date()
    sign_in(page, owner.email)
    page.goto("/polls/new/")
    page.get_by_label("Time zone").fill("Europe/Berlin")
    row = page.get_by_role("group", name="Time 1", exact=True)
    row.get_by_label("Date").fill(day.isoformat())
    row.get_by_label("Start time").fill("10:00")
    page.get_by_label("Email addresses (optional)").fill("gus@example.net")
    page.get_by_label("Email the private links now").uncheck()
    page.get_by_label("Title").fill("Quick call")

    page.get_by_label("Title").press("Enter")

    message(page, "The poll is created.")
    assert Poll.objects.get(title="Quick call").times.count() == 1


def test_member_leaves_and_disappears_from_future_events(
    page, new_page, live_server, event, member
):
    past = EventFactory(
        group=event.group,
        title="Last year's party",
        start=event.start - timedelta(days=365),
        end=event.end - timedelta(days=365),
    )
    RsvpFactory(event=event, user=member)
    RsvpFactory(event=past, user=member)
    sign_in(page, member.email)

    page.goto(event.get_absolute_url())
    expect(page.get_by_role("complementary", name="Your reply")).to_contain_text(
        "Mo Member"
    )
    page.get_by_role("link", name="Rust Berlin").click()
    page.get_by_role("link", name="Leave this group").click()
    page.get_by_role("button", name="Leave Rust Berlin").click()
    message(page, "You left Rust Berlin.")
    expect(page.get_by_role("button", name="Join this group")).to_be_visible()

    assert list(Rsvp.objects.filter(user=member).values_list("event", flat=True)) == [
        past.pk
    ]
    page.goto(event.get_absolute_url())
    expect(page.get_by_text("You have not replied.")).to_be_visible()
    owner_page = new_page(base_url=live_server.url)
    sign_in(owner_page, "olga@example.org")
    owner_page.goto(f"/events/{event.pk}/attendees/")
    expect(owner_page.get_by_role("heading", name="Attending (0)")).to_be_visible()
    expect(owner_page.get_by_role("main")).not_to_contain_text("Mo Member")


def test_keyboard_alone_signs_in_and_replies(page, event, member):
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    tab_to(page, page.get_by_role("navigation").get_by_role("link", name="Sign in"))
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_label("Email address"))
    page.keyboard.type(member.email)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

    page.goto(last_link_to(member.email))
    tab_to(page, page.get_by_role("main").get_by_role("button", name="Sign in"))
    page.keyboard.press("Space")
    message(page, f"You are signed in as {member.email}.")
    tab_to(page, page.get_by_role("link", name="Async Rust night"))
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_role("button", name="Attending", exact=True))
    page.keyboard.press("Space")

    message(page, "Your reply: attending.")
    assert Rsvp.objects.get(event=event, user=member).status == "attending"
    expect(page).to_have_url(re.compile(rf"/events/{event.pk}/$"))


def test_visitor_searches_filters_and_browses_past_events(page, group, event):
    EventFactory.create_batch(21, group=group, title="Rust pairing", venue="")
    EventFactory(group=group, title="Go night", venue="Hall")
    EventFactory(
        group=group,
        title="Rust error handling",
        start=event.start - timedelta(days=60),
        end=event.end - timedelta(days=60),
    )
    page.goto("/")
    nav(page, "Events")
    search = page.get_by_role("search", name="Search events")
    search.get_by_label("Search", exact=True).fill("rust")
    search.get_by_label("Format").select_option(label="In person")
    search.get_by_role("button", name="Search").click()
    main = page.get_by_role("main")
    expect(main).to_contain_text("1 event found.")
    expect(main.get_by_role("link", name="Async Rust night")).to_be_visible()
    expect(main.get_by_role("link", name="Go night")).to_have_count(0)

    search.get_by_label("Format").select_option(label="Any")
    search.get_by_role("button", name="Search").click()
    expect(main).to_contain_text("22 events found.")
    main.get_by_role("link", name="Next page").click()
    expect(main).to_contain_text("Page 2 of 2")
    expect(search.get_by_label("Search", exact=True)).to_have_value("rust")

    search.get_by_label("When").select_option(label="Past")
    search.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="Past events")).to_be_visible()
    expect(main.get_by_role("link", name="Rust error handling")).to_be_visible()
    expect(main.get_by_role("link", name="Async Rust night")).to_have_count(0)

    search.get_by_role("link", name="Clear filters").click()
    expect(page.get_by_role("heading", name="Upcoming events")).to_be_visible()
    expect(search.get_by_label("Search", exact=True)).to_have_value("")
    expect(search.get_by_role("link", name="Clear filters")).to_have_count(0)
    expect(main).to_contain_text("Page 1 of 2")


def test_visitor_finds_a_group_with_the_keyboard(page, group):
    from tests.factories import GroupFactory

    GroupFactory(name="Kotlin Hamburg", location="Hamburg")
    page.goto("/groups/")
    search = page.get_by_role("search", name="Search groups")
    tab_to(page, search.get_by_label("Search", exact=True))
    page.keyboard.type("berlin")
    page.keyboard.press("Enter")

    main = page.get_by_role("main")
    expect(main).to_contain_text("1 group found.")
    expect(main.get_by_role("link", name="Rust Berlin")).to_be_visible()
    expect(main.get_by_role("link", name="Kotlin Hamburg")).to_have_count(0)
    search.get_by_role("link", name="Clear search").click()
    expect(main.get_by_role("link", name="Kotlin Hamburg")).to_be_visible()


def test_owner_runs_a_weekly_series_and_a_member_replies_from_its_card(
    page, new_page, live_server, js, group, owner, member
):
    today = datetime.now(BERLIN)
    first = (today + timedelta(days=7)).replace(
        hour=19, minute=0, second=0, microsecond=0
    )
    sign_in(page, owner.email)
    nav(page, "Groups")
    page.get_by_role("link", name="Rust Berlin").click()
    page.get_by_role("link", name="Create an event").click()
    page.get_by_label("Title").fill("Weekly hack night")
    page.get_by_label("Starts").fill(_wall(first))
    page.get_by_label("Ends").fill(_wall(first + timedelta(hours=2)))
    page.get_by_label("Online link").fill("https://meet.example.org/hack")
    repeats = page.get_by_role("group", name="Repeat this event")
    repeats.get_by_label("Repeats").select_option("Weekly")
    repeats.get_by_label("Number of events").fill("4")
    page.get_by_role("button", name="Create event").click()
    message(page, "The series of 4 events is created.")
    events = list(Event.objects.order_by("start"))
    walls = [e.start.astimezone(BERLIN).strftime("%H:%M") for e in events]
    assert (len({e.uid for e in events}), walls) == (4, ["19:00"] * 4)

    page.get_by_role("link", name=re.compile("^Next date: ")).click()
    page.get_by_role("link", name="Edit this event").click()
    page.get_by_label("Starts").fill(_wall(events[1].start + timedelta(hours=1)))
    page.get_by_label("Ends").fill(_wall(events[1].end + timedelta(hours=1)))
    page.get_by_label("This and all following events").check()
    page.get_by_role("button", name="Save event").click()
    message(page, "This event and 2 following events are saved.")
    walls = [
        e.start.astimezone(BERLIN).strftime("%H:%M")
        for e in Event.objects.order_by("start")
    ]
    assert walls == ["19:00", "20:00", "20:00", "20:00"]

    page.get_by_role("link", name=re.compile("^Next date: ")).click()
    page.get_by_role("link", name="Cancel this event").click()
    expect(page.get_by_role("main")).to_contain_text("Only this date is cancelled")
    page.get_by_role("button", name="Cancel the event").click()
    message(page, "The event is cancelled.")
    statuses = list(Event.objects.order_by("start").values_list("status", flat=True))
    assert statuses == ["scheduled", "scheduled", "cancelled", "scheduled"]

    member_page = new_page(base_url=live_server.url, js=js)
    sign_in(member_page, member.email)
    member_page.goto(group.get_absolute_url())
    member_page.get_by_role("button", name=re.compile("^Attend")).click()
    message(member_page, "Your reply: attending.")
    assert Rsvp.objects.get(user=member).event == events[0]
    member_page.goto(group.get_absolute_url())
    expect(member_page.get_by_role("main")).to_contain_text("You replied: attending.")
