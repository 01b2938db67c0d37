"""The member page, the owner settings and the pages behind the email links."""

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.core import mail
from icalendar import Calendar

from notifications.models import OptOut, Suppression, Topic
from roulette.models import Pairing, Participant, PartnerBlock, RouletteSettings
from tests.factories import (
    MembershipFactory,
    PairingFactory,
    ParticipantFactory,
    RoundFactory,
    free_blocks,
)
from tests.mail import links_in, path_of
from tests.roulette.conftest import drain, pair

MON = 0
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
NOW = "2026-11-27 12:00Z"  # Friday; the next week is 2026-W49


def calendar_of(message):
    [part] = [c for c, t in message.alternatives if t.startswith("text/calendar")]
    [vevent] = Calendar.from_ical(part).walk("VEVENT")
    return Calendar.from_ical(part), vevent


def _spoken(html: str) -> str:
    """Text as a screen reader reads it: tags and aria-hidden parts left out."""
    html = re.sub(r'<(\w+)[^>]*aria-hidden="true"[^>]*>.*?</\1>', "", html)
    return re.sub(r"<[^>]+>", "", html)


def _days(html: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each day's fieldset: its name, and (block, spoken label) of its boxes."""
    return [
        (
            _spoken(legend),
            [
                (block, _spoken(label))
                for block, label in re.findall(
                    r'<label for="block-(\d+)">(.*?)</label>', body
                )
            ],
        )
        for legend, body in re.findall(
            r'<fieldset class="week-day" id="day-\d">\s*<legend>(.*?)</legend>'
            r"(.*?)</fieldset>",
            html,
            re.S,
        )
    ]


def test_member_page_groups_the_half_hours_by_day_each_box_named(
    client, roulette, member
):
    client.force_login(member)

    html = client.get("/groups/rust-berlin/roulette/").content.decode()

    days = _days(html)
    assert [name for name, _ in days] == DAYS
    assert [len(boxes) for _, boxes in days] == [48] * 7
    assert days[0][1][18] == ("18", "Monday 09:00–09:30")
    assert days[6][1][47] == ("335", "Sunday 23:30–00:00")
    assert html.count('<input type="checkbox" name="blocks" value="') == 336
    assert '<button type="submit">Take part in coffee roulette</button>' in html


def test_each_day_can_be_jumped_to(client, roulette, member):
    client.force_login(member)

    html = client.get("/groups/rust-berlin/roulette/").content.decode()

    nav = re.search(
        r'<nav class="week-jump" aria-label="Days of the week">(.*?)</nav>', html, re.S
    )
    assert re.findall(r'<a href="#(day-\d)">(\w+)</a>', nav.group(1)) == [
        (f"day-{n}", name) for n, name in enumerate(DAYS)
    ]
    assert [f'id="day-{n}"' in html for n in range(7)] == [True] * 7


def test_pairings_come_before_the_grid_which_folds_once_filled(
    client, roulette, member
):
    client.force_login(member)
    empty = client.get("/groups/rust-berlin/roulette/").content.decode()
    ParticipantFactory(
        membership=member.memberships.get(),
        availability=free_blocks((MON, "09:00", "11:00")),
    )
    filled = client.get("/groups/rust-berlin/roulette/").content.decode()

    assert empty.index("Your pairings") < empty.index("When you are free")
    assert '<details class="availability" open>' in empty
    assert '<details class="availability">' in filled
    assert "(4 ticked)" in filled


def test_opt_in_with_post(client, roulette, member):
    client.force_login(member)

    response = client.post("/groups/rust-berlin/roulette/join/")

    assert response.url == "/groups/rust-berlin/roulette/"
    participant = Participant.objects.get(membership__user=member)
    assert (participant.opted_in, participant.timezone) == (True, "UTC")


@pytest.mark.parametrize(
    "reason,told",
    [
        ("bounce", "Emails to mo@example.org bounced"),
        ("spamreport", "An email to mo@example.org was reported as spam"),
        ("unsubscribe", "mo@example.org was unsubscribed from all email"),
    ],
)
def test_member_whose_mail_is_suppressed_is_told_why_and_what_to_do(
    client, roulette, member, reason, told
):
    ParticipantFactory(membership=member.memberships.get())
    Suppression.objects.create(email="mo@example.org", reason=reason)
    client.force_login(member)

    html = " ".join(
        client.get("/groups/rust-berlin/roulette/").content.decode().split()
    )

    assert f"{told}, so you are not paired" in html
    assert (
        'To take part, <a href="/accounts/profile/#email-heading">change your email '
        "address</a> to one that works" in html
    )


def test_member_who_turned_off_roulette_emails_is_told_they_are_not_paired(
    client, roulette, member
):
    ParticipantFactory(membership=member.memberships.get())
    OptOut.objects.create(user=member, group=roulette.group, topic=Topic.ROULETTE)
    client.force_login(member)

    html = " ".join(
        client.get("/groups/rust-berlin/roulette/").content.decode().split()
    )

    assert (
        "You turned off “coffee roulette pairings” emails for this group, so you "
        "are not paired" in html
    )


def test_taking_part_turns_roulette_emails_back_on(client, roulette, member):
    OptOut.objects.create(user=member, group=roulette.group, topic=Topic.ROULETTE)
    OptOut.objects.create(user=member, group=roulette.group, topic=Topic.MAILINGS)
    client.force_login(member)

    client.post("/groups/rust-berlin/roulette/join/")

    assert list(OptOut.objects.values_list("topic", flat=True)) == ["mailings"]


def test_get_never_opts_in(client, roulette, member):
    client.force_login(member)

    assert client.get("/groups/rust-berlin/roulette/join/").status_code == 405
    assert Participant.objects.exists() is False


def test_opt_in_refused_while_roulette_is_off(client, group, member):
    client.force_login(member)

    response = client.post("/groups/rust-berlin/roulette/join/", follow=True)

    assert "Coffee roulette is off for this group." in response.content.decode()
    assert Participant.objects.exists() is False


def test_opt_out_keeps_the_grid(client, roulette, member):
    membership = member.memberships.get()
    ParticipantFactory(
        membership=membership, availability=free_blocks((0, "09:00", "10:00"))
    )
    client.force_login(member)

    client.post("/groups/rust-berlin/roulette/leave/")

    participant = Participant.objects.get()
    assert (participant.opted_in, participant.blocks) == (False, frozenset({18, 19}))


def test_availability_saves_zone_and_blocks(client, roulette, member):
    client.force_login(member)

    response = client.post(
        "/groups/rust-berlin/roulette/availability/",
        {"timezone": "Asia/Kathmandu", "blocks": ["18", "19", "335"]},
    )

    assert response.url == "/groups/rust-berlin/roulette/"
    participant = Participant.objects.get(membership__user=member)
    assert participant.timezone == "Asia/Kathmandu"
    assert participant.blocks == frozenset({18, 19, 335})


def test_availability_with_unknown_zone_is_400_and_keeps_the_ticks(
    client, roulette, member
):
    client.force_login(member)

    response = client.post(
        "/groups/rust-berlin/roulette/availability/",
        {"timezone": "Mars/Olympus", "blocks": ["18"]},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "“Mars/Olympus” is not a known time zone." in html
    assert 'value="18" id="block-18" checked>' in html
    assert Participant.objects.exists() is False


def test_availability_outside_the_grid_is_refused(client, roulette, member):
    client.force_login(member)

    response = client.post(
        "/groups/rust-berlin/roulette/availability/",
        {"timezone": "UTC", "blocks": ["336"]},
    )

    assert response.status_code == 400
    assert "Choose times from the grid only." in response.content.decode()


@time_machine.travel(NOW)
def test_skip_next_week_and_take_it_back(client, roulette, member):
    ParticipantFactory(membership=member.memberships.get())
    client.force_login(member)

    client.post("/groups/rust-berlin/roulette/skip/")
    skipped = Participant.objects.get().skip_week
    page = client.get("/groups/rust-berlin/roulette/").content.decode()
    client.post("/groups/rust-berlin/roulette/unskip/")

    assert skipped == "2026-W49"
    assert "you skip the week of 30 November" in page
    assert Participant.objects.get().skip_week == ""


@time_machine.travel(NOW)
def test_page_shows_how_many_members_share_free_time(client, roulette, member, join):
    membership = member.memberships.get()
    ParticipantFactory(
        membership=membership,
        timezone="UTC",
        availability=free_blocks((MON, "10:00", "11:00")),
    )
    join("Ann", "Europe/London", (MON, "10:00", "10:30"))
    join("Bob", "Europe/Berlin", (MON, "11:00", "12:00"))  # 10:00 UTC
    join("Cem", "Europe/Berlin", (MON, "10:00", "11:00"))  # 09:00 UTC: no overlap
    client.force_login(member)

    html = client.get("/groups/rust-berlin/roulette/").content.decode()

    assert "Your free time overlaps with 2 members" in html


def test_owner_switches_roulette_on(client, group, owner):
    client.force_login(owner)

    response = client.post(
        "/groups/rust-berlin/roulette/settings/",
        {"enabled": "on", "minutes": "30", "announce_weekday": "0",
         "announce_hour": "9", "repeat_weeks": "12",
         "video_link_template": "https://meet.jit.si/{room}"},
    )  # fmt: skip

    assert response.url == "/groups/rust-berlin/roulette/settings/"
    config = RouletteSettings.objects.get(group=group)
    assert (config.enabled, config.announce_weekday, config.announce_hour) == (
        True,
        0,
        9,
    )


def test_settings_page_offers_defaults(client, group, owner):
    client.force_login(owner)

    html = client.get("/groups/rust-berlin/roulette/settings/").content.decode()

    assert 'value="https://meet.jit.si/{room}"' in html
    assert 'name="repeat_weeks" value="12"' in html
    assert RouletteSettings.objects.exists() is False


@pytest.mark.parametrize(
    "template",
    ["meet.jit.si/{room}", "https://meet.jit.si/{name}", "javascript:alert(1)//{room}"],
)
def test_settings_refuse_bad_video_link(client, group, owner, template):
    client.force_login(owner)

    response = client.post(
        "/groups/rust-berlin/roulette/settings/",
        {"enabled": "on", "minutes": "30", "announce_weekday": "4",
         "announce_hour": "10", "repeat_weeks": "12", "video_link_template": template},
    )  # fmt: skip

    assert response.status_code == 200
    assert RouletteSettings.objects.exists() is False
    assert "errorlist" in response.content.decode()


@pytest.mark.parametrize("count", [1, 3])
def test_member_page_query_count_is_fixed(
    client, roulette, member, owner, count, django_assert_num_queries
):
    ParticipantFactory(membership=member.memberships.get())
    ParticipantFactory(membership=owner.memberships.get())
    for week in range(count):
        rnd = RoundFactory(group=roulette.group, iso_week=f"2026-W{10 + week}")
        PairingFactory(round=rnd, people=[member, owner])
    client.force_login(member)

    with django_assert_num_queries(12):
        response = client.get("/groups/rust-berlin/roulette/")

    assert response.content.decode().count("with Olga Owner") == count


# --- the meeting pages behind the email links ---------------------------------------


@pytest.fixture
def meeting(roulette, join):
    """Ann (Berlin) and Bob (UTC) paired for 2026-W49, emails already read."""
    with time_machine.travel(NOW):
        join("Ann", "Europe/Berlin", (MON, "11:00", "13:00"))
        join("Bob", "UTC", (MON, "10:00", "12:00"))
        pair("--week", "2026-W49")
        drain()
    mail.outbox.clear()
    return Pairing.objects.get()


@time_machine.travel(NOW)
def test_email_link_sends_visitor_to_sign_in_and_back(client, meeting):
    decline_url = f"/groups/rust-berlin/roulette/pairings/{meeting.pk}/decline/"

    response = client.get(decline_url)

    assert response.url == (
        f"/accounts/signin/?next=/groups/rust-berlin/roulette/pairings/"
        f"{meeting.pk}/decline/"
    )


@time_machine.travel(NOW)
def test_pairing_page_shows_time_in_each_zone(client, meeting):
    ann = meeting.members.get(name="Ann")
    client.force_login(ann)

    html = client.get(meeting.get_absolute_url()).content.decode()

    assert "Monday 30 November 2026, 11:00 – 11:30" in html
    assert "Bob — 10:00 in UTC" in html
    assert meeting.video_link in html


@time_machine.travel(NOW)
def test_cant_make_it_cancels_and_tells_partner(client, meeting):
    ann = meeting.members.get(name="Ann")
    client.force_login(ann)
    url = f"/groups/rust-berlin/roulette/pairings/{meeting.pk}/decline/"
    assert (
        "Bob is told and the meeting is cancelled." in client.get(url).content.decode()
    )

    response = client.post(url)
    drain()

    assert response.url == meeting.get_absolute_url()
    meeting.refresh_from_db()
    assert (meeting.status, meeting.sequence) == ("cancelled", 1)
    to_bob = next(m for m in mail.outbox if m.to == ["bob@example.org"])
    assert to_bob.subject == "Cancelled: Ann can't make it on Monday 30 November"
    for message in mail.outbox:
        cal, vevent = calendar_of(message)
        assert (str(cal["method"]), str(vevent["uid"]), vevent["sequence"]) == (
            "CANCEL", meeting.uid, 1,
        )  # fmt: skip
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ann@example.org",
        "bob@example.org",
    ]


@time_machine.travel(NOW)
def test_cant_make_it_in_a_trio_keeps_the_other_two(client, roulette, join):
    for name in ["Ann", "Bob", "Cem"]:
        join(name, "UTC", (MON, "10:00", "11:00"))
    pair("--week", "2026-W49")
    drain()
    mail.outbox.clear()
    trio = Pairing.objects.get()
    client.force_login(trio.members.get(name="Cem"))

    client.post(f"/groups/rust-berlin/roulette/pairings/{trio.pk}/decline/")
    drain()

    trio.refresh_from_db()
    assert (trio.status, trio.sequence) == ("active", 1)
    methods = {m.to[0]: str(calendar_of(m)[0]["method"]) for m in mail.outbox}
    assert methods == {
        "ann@example.org": "REQUEST", "bob@example.org": "REQUEST",
        "cem@example.org": "CANCEL",
    }  # fmt: skip
    _, vevent = calendar_of(next(m for m in mail.outbox if m.to == ["ann@example.org"]))
    assert sorted(str(a) for a in vevent["attendee"]) == [
        "mailto:ann@example.org", "mailto:bob@example.org",
    ]  # fmt: skip


@time_machine.travel(NOW)
def test_pick_another_time_lists_other_common_times(client, meeting):
    client.force_login(meeting.members.get(name="Bob"))

    response = client.get(
        f"/groups/rust-berlin/roulette/pairings/{meeting.pk}/reschedule/"
    )
    html = response.content.decode()

    # Shared: Monday 10:00-12:00 UTC, and 10:00 is the current time.
    labels = re.findall(r'name="start" value="[^"]+"[^>]*>\s*([^<]+)</label>', html)
    assert labels == [
        "Monday 30 November, 10:30", "Monday 30 November, 11:00",
        "Monday 30 November, 11:30",
    ]  # fmt: skip


@time_machine.travel(NOW)
def test_picking_another_time_sends_an_update_with_higher_sequence(client, meeting):
    client.force_login(meeting.members.get(name="Bob"))
    new_start = datetime(2026, 11, 30, 11, 0, tzinfo=UTC)

    response = client.post(
        f"/groups/rust-berlin/roulette/pairings/{meeting.pk}/reschedule/",
        {"start": new_start.isoformat()},
    )
    drain()

    assert response.url == meeting.get_absolute_url()
    meeting.refresh_from_db()
    assert (meeting.start, meeting.sequence) == (new_start, 1)
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ann@example.org",
        "bob@example.org",
    ]
    to_ann = next(m for m in mail.outbox if m.to == ["ann@example.org"])
    assert "When: Monday 30 November 2026, 12:00 – 12:30 (Europe/Berlin)" in to_ann.body
    cal, vevent = calendar_of(to_ann)
    assert (str(cal["method"]), vevent["sequence"], vevent.decoded("dtstart")) == (
        "REQUEST", 1, new_start,
    )  # fmt: skip


@time_machine.travel(NOW)
def test_picking_a_time_not_offered_is_refused(client, meeting):
    client.force_login(meeting.members.get(name="Bob"))

    response = client.post(
        f"/groups/rust-berlin/roulette/pairings/{meeting.pk}/reschedule/",
        {"start": "2026-11-30T15:00:00+00:00"},
    )

    assert response.status_code == 400
    assert "no longer free for everyone" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.sequence == 0


def test_past_meeting_can_no_longer_be_declined(client, meeting):
    with time_machine.travel("2026-12-01 12:00Z"):
        client.force_login(meeting.members.get(name="Ann"))
        response = client.post(
            f"/groups/rust-berlin/roulette/pairings/{meeting.pk}/decline/", follow=True
        )

    assert "This meeting has started or is over." in response.content.decode()
    meeting.refresh_from_db()
    assert (meeting.status, mail.outbox) == ("active", [])


def test_block_a_past_partner_from_the_pairings_list(client, meeting):
    ann, bob = meeting.members.get(name="Ann"), meeting.members.get(name="Bob")
    with time_machine.travel("2026-12-01 12:00Z"):
        client.force_login(ann)
        html = client.get("/groups/rust-berlin/roulette/").content.decode()
        response = client.post("/groups/rust-berlin/roulette/blocks/", {"user": bob.pk})

    assert "Don't pair me with Bob again" in html
    assert response.url == "/groups/rust-berlin/roulette/"
    assert list(PartnerBlock.objects.values_list("blocker", "blocked")) == [
        (ann.pk, bob.pk)
    ]


def test_blocking_someone_never_met_is_refused(client, roulette, member, owner):
    client.force_login(member)

    client.post("/groups/rust-berlin/roulette/blocks/", {"user": owner.pk})

    assert PartnerBlock.objects.exists() is False


def test_unblock(client, meeting, group):
    ann, bob = meeting.members.get(name="Ann"), meeting.members.get(name="Bob")
    PartnerBlock.objects.create(group=group, blocker=ann, blocked=bob)
    client.force_login(ann)

    client.post(f"/groups/rust-berlin/roulette/blocks/{bob.pk}/remove/")

    assert PartnerBlock.objects.exists() is False


def test_staff_who_is_no_member_cannot_take_part(client, roulette, staff):
    client.force_login(staff)

    response = client.post("/groups/rust-berlin/roulette/join/")

    assert response.status_code == 403
    assert Participant.objects.exists() is False


def test_group_page_links_to_roulette(client, group, member):
    MembershipFactory(group=group)
    client.force_login(member)

    html = client.get("/groups/rust-berlin/").content.decode()

    assert 'href="/groups/rust-berlin/roulette/">Coffee roulette</a>' in html


@time_machine.travel(NOW)
def test_links_in_the_pairing_email_open_for_the_recipient(client, roulette, join):
    ann = join("Ann", "UTC", (MON, "10:00", "11:00"))
    join("Bob", "UTC", (MON, "10:00", "11:00"))
    pair("--week", "2026-W49")
    drain()
    [message] = [m for m in mail.outbox if m.to == ["ann@example.org"]]
    client.force_login(ann)

    pages = {
        path_of(url): client.get(path_of(url)).status_code
        for url in links_in(message)
        if "/roulette/" in url
    }

    pk = Pairing.objects.get().pk
    assert pages == {
        f"/groups/rust-berlin/roulette/pairings/{pk}/decline/": 200,
        f"/groups/rust-berlin/roulette/pairings/{pk}/reschedule/": 200,
        "/groups/rust-berlin/roulette/": 200,
    }
    assert (
        message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    )


@pytest.mark.parametrize("size", [2, 3])
def test_pairing_page_query_count_is_fixed(
    client, roulette, member, size, django_assert_num_queries
):
    others = [MembershipFactory(group=roulette.group).user for _ in range(size - 1)]
    pairing = PairingFactory(round=RoundFactory(group=roulette.group),
                             people=[member, *others])  # fmt: skip
    client.force_login(member)

    with django_assert_num_queries(4):
        response = client.get(pairing.get_absolute_url())

    assert response.content.decode().count(" in UTC</li>") == size


@time_machine.travel(NOW)
def test_unsubscribing_from_a_pairing_email_says_it_ends_the_pairing(
    client, roulette, join
):
    join("Ann", "UTC", (MON, "10:00", "11:00"))
    join("Bob", "UTC", (MON, "10:00", "11:00"))
    pair("--week", "2026-W49")
    drain()
    [message] = [m for m in mail.outbox if m.to == ["ann@example.org"]]
    url = message.extra_headers["List-Unsubscribe"].strip("<>")

    html = " ".join(client.get(path_of(url)).content.decode().split())
    client.post(path_of(url))

    assert (
        "You will no longer receive coffee roulette pairings from Rust Berlin, and "
        "you will not be paired, so nobody waits for you." in html
    )
    assert list(OptOut.objects.values_list("user__name", "topic")) == [
        ("Ann", "roulette")
    ]
