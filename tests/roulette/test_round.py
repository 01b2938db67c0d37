"""The weekly run: `manage.py pair_members` and `services.round_run`."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.core import mail
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from icalendar import Calendar

from notifications.models import Message, OptOut, Suppression, Topic
from roulette.models import Pairing, Participant, PartnerBlock, Round, SatOut
from tests.factories import PairingFactory, RoundFactory
from tests.roulette.conftest import drain, pair

MON, SUN = 0, 6


def meetings(week: str) -> list[tuple[list[str], datetime]]:
    rows = Pairing.objects.filter(round__iso_week=week).prefetch_related("seats__user")
    return [
        (sorted(s.user.name for s in p.seats.all()), p.start.astimezone(UTC))
        for p in rows
    ]


def sat_out(week: str) -> list[tuple[str, str]]:
    rows = SatOut.objects.filter(round__iso_week=week).select_related("user")
    return sorted((s.user.name, s.reason) for s in rows)


def calendar_of(message) -> Calendar:
    [part] = [c for c, t in message.alternatives if t.startswith("text/calendar")]
    return Calendar.from_ical(part)


@time_machine.travel("2026-03-06 12:00Z")
def test_us_switched_eu_not_pairs_new_york_noon_with_berlin_five(roulette, join):
    # 9 March 2026: New York is on EDT (UTC-4), Berlin still on CET (UTC+1).
    join("Nia", "America/New_York", (MON, "12:00", "12:30"))
    join("Bert", "Europe/Berlin", (MON, "17:00", "17:30"))

    pair("--week", "2026-W11")

    assert meetings("2026-W11") == [
        (["Bert", "Nia"], datetime(2026, 3, 9, 16, 0, tzinfo=UTC))
    ]


@time_machine.travel("2026-01-01 12:00Z")
def test_same_grids_in_winter_are_an_hour_apart(roulette, join):
    join("Nia", "America/New_York", (MON, "12:00", "12:30"))
    join("Bert", "Europe/Berlin", (MON, "17:00", "17:30"))

    pair("--week", "2026-W02")
    drain()

    assert meetings("2026-W02") == []
    assert sat_out("2026-W02") == [
        ("Bert", "no_common_time"), ("Nia", "no_common_time"),
    ]  # fmt: skip
    assert sorted(m.to[0] for m in mail.outbox) == [
        "bert@example.org", "nia@example.org",
    ]  # fmt: skip
    assert (
        "found no partner for you: nobody you could meet shares 30 free minutes "
        "with you that week." in " ".join(mail.outbox[0].body.split())
    )


@time_machine.travel("2026-11-27 12:00Z")
def test_kathmandu_quarter_hour_zone_meets_at_quarter_past(roulette, join):
    join("Kiran", "Asia/Kathmandu", (MON, "14:00", "15:00"))
    join("Uma", "UTC", (MON, "08:00", "09:30"))

    pair("--week", "2026-W49")
    drain()

    assert meetings("2026-W49") == [
        (["Kiran", "Uma"], datetime(2026, 11, 30, 8, 15, tzinfo=UTC))
    ]
    body = next(m.body for m in mail.outbox if m.to == ["kiran@example.org"])
    assert "When: Monday 30 November 2026, 14:00 – 14:30 (Asia/Kathmandu)" in body


@time_machine.travel("2026-11-27 12:00Z")
def test_sunday_evening_in_los_angeles_is_monday_in_utc(roulette, join):
    join("Lou", "America/Los_Angeles", (SUN, "17:00", "18:00"))
    join("Liz", "Europe/London", (MON, "01:00", "02:00"))

    pair("--week", "2026-W49")
    drain()

    assert meetings("2026-W49") == [
        (["Liz", "Lou"], datetime(2026, 11, 30, 1, 0, tzinfo=UTC))
    ]
    body = next(m.body for m in mail.outbox if m.to == ["lou@example.org"])
    assert "When: Sunday 29 November 2026, 17:00 – 17:30 (America/Los_Angeles)" in body


@pytest.mark.parametrize("repeat_weeks,paired", [(10, False), (9, True)])
@time_machine.travel("2026-11-27 12:00Z")
def test_repeat_window_is_a_hard_rule(roulette, join, repeat_weeks, paired):
    roulette.repeat_weeks = repeat_weeks
    roulette.save()
    ann = join("Ann", "UTC", (MON, "10:00", "11:00"))
    bob = join("Bob", "UTC", (MON, "10:00", "11:00"))
    PairingFactory(round=RoundFactory(group=roulette.group, iso_week="2026-W40"),
                   people=[ann, bob])  # fmt: skip

    pair("--week", "2026-W49")

    assert (len(meetings("2026-W49")) == 1) is paired


@time_machine.travel("2026-11-27 12:00Z")
def test_odd_one_joins_a_trio_when_all_three_share_a_block(roulette, join):
    for name in ["Ann", "Bob", "Cem"]:
        join(name, "Europe/Berlin", (MON, "10:00", "11:00"))

    pair("--week", "2026-W49")
    drain()

    assert meetings("2026-W49") == [
        (["Ann", "Bob", "Cem"], datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    ]
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ann@example.org", "bob@example.org", "cem@example.org",
    ]  # fmt: skip
    attendees = calendar_of(mail.outbox[0]).walk("VEVENT")[0]["attendee"]
    assert len(attendees) == 3


def _ann_bob_and_cem(join):
    """Ann shares two hours with Bob and one with Cem; Bob and Cem share none."""
    return (
        join("Ann", "UTC", (MON, "10:00", "12:00"), (MON, "14:00", "15:00")),
        join("Bob", "UTC", (MON, "10:00", "12:00")),
        join("Cem", "UTC", (MON, "14:00", "15:00")),
    )


@time_machine.travel("2026-11-27 12:00Z")
def test_odd_one_without_common_block_sits_out_and_is_told(roulette, join):
    _ann_bob_and_cem(join)

    pair("--week", "2026-W49")
    drain()

    assert [names for names, _ in meetings("2026-W49")] == [["Ann", "Bob"]]
    assert sat_out("2026-W49") == [("Cem", "odd_number")]
    told = [m for m in mail.outbox if m.to == ["cem@example.org"]]
    assert [m.subject for m in told] == [
        "Coffee roulette in Rust Berlin: no partner for you this week"
    ]
    assert "You will be paired first next week." in told[0].body


@time_machine.travel("2026-11-27 12:00Z")
def test_sitting_out_gives_priority_next_week(roulette, join, group):
    _, _, cem = _ann_bob_and_cem(join)
    last_week = RoundFactory(group=group, iso_week="2026-W48")
    SatOut.objects.create(round=last_week, user=cem, reason="odd_number")

    pair("--week", "2026-W49")

    assert [names for names, _ in meetings("2026-W49")] == [["Ann", "Cem"]]
    assert sat_out("2026-W49") == [("Bob", "odd_number")]


@time_machine.travel("2026-11-27 12:00Z")
def test_blocked_partner_is_never_paired(roulette, join, group):
    ann = join("Ann", "UTC", (MON, "10:00", "11:00"))
    bob = join("Bob", "UTC", (MON, "10:00", "11:00"))
    PartnerBlock.objects.create(group=group, blocker=bob, blocked=ann)

    pair("--week", "2026-W49")

    assert meetings("2026-W49") == []
    assert sat_out("2026-W49") == [("Ann", "no_common_time"), ("Bob", "no_common_time")]


@time_machine.travel("2026-11-27 12:00Z")
def test_skipping_member_is_left_out_without_an_email(roulette, join, group):
    join("Ann", "UTC", (MON, "10:00", "11:00"))
    join("Bob", "UTC", (MON, "10:00", "11:00"))
    skipper = join("Sam", "UTC", (MON, "10:00", "11:00"))
    Participant.objects.filter(membership__user=skipper).update(skip_week="2026-W49")

    pair("--week", "2026-W49")
    drain()

    assert [names for names, _ in meetings("2026-W49")] == [["Ann", "Bob"]]
    assert sat_out("2026-W49") == []
    assert "sam@example.org" not in [m.to[0] for m in mail.outbox]


@time_machine.travel("2026-11-27 12:00Z")
def test_second_run_changes_and_sends_nothing(roulette, join):
    join("Ann", "UTC", (MON, "10:00", "11:00"))
    join("Bob", "UTC", (MON, "10:00", "11:00"))
    join("Cem", "UTC", (SUN, "10:00", "11:00"))
    pair("--week", "2026-W49")
    before = (Pairing.objects.count(), SatOut.objects.count(), Message.objects.count())

    output = pair("--week", "2026-W49", "--seed", "99")

    assert output == "rust-berlin 2026-W49: paired before; nothing changed or sent.\n"
    after = (Pairing.objects.count(), SatOut.objects.count(), Message.objects.count())
    assert after == before == (1, 1, 3)


@time_machine.travel("2026-11-27 12:00Z")
def test_dry_run_prints_the_plan_and_writes_nothing(roulette, join):
    join("Ann", "UTC", (MON, "10:00", "11:00"))
    join("Bob", "UTC", (MON, "10:00", "11:00"))

    output = pair("--week", "2026-W49", "--dry-run", "--seed", "5")

    assert output.splitlines() == [
        "rust-berlin 2026-W49: would pair 1 pairs and 0 trios; 0 sit out (seed 5).",
        "  Mon 30 Nov 10:00 UTC  Ann + Bob",
    ]
    assert (Round.objects.count(), Message.objects.count()) == (0, 0)


@time_machine.travel("2026-11-27 12:00Z")
def test_invitation_parses_with_both_attendees_and_stable_uid(roulette, join):
    join("Ann", "Europe/Berlin", (MON, "10:00", "11:00"))
    join("Bob", "America/New_York", (MON, "04:00", "05:00"))

    pair("--week", "2026-W49")
    drain()

    pairing = Pairing.objects.get()
    assert pairing.uid == (
        f"roulette-{roulette.group.pk}-2026-W49-"
        f"{'-'.join(str(pk) for pk in sorted(pairing.members.values_list('pk', flat=True)))}"
        "@meetings"
    )
    for address in ["ann@example.org", "bob@example.org"]:
        [message] = [m for m in mail.outbox if m.to == [address]]
        cal = calendar_of(message)
        [vevent] = cal.walk("VEVENT")
        assert str(cal["method"]) == "REQUEST"
        assert (str(vevent["uid"]), vevent["sequence"]) == (pairing.uid, 0)
        assert vevent.decoded("dtstart") == pairing.start
        assert sorted(str(a) for a in vevent["attendee"]) == [
            "mailto:ann@example.org", "mailto:bob@example.org",
        ]  # fmt: skip
        assert str(vevent["location"]) == pairing.video_link
    assert pairing.video_link.startswith("https://meet.jit.si/rust-berlin-coffee-")


@time_machine.travel("2026-11-27 12:00Z")
def test_each_pair_gets_its_own_video_room(roulette, join):
    for name in ["Ann", "Bob", "Cem", "Dan"]:
        join(name, "UTC", (MON, "10:00", "11:00"))

    pair("--week", "2026-W49")

    links = list(Pairing.objects.values_list("video_link", flat=True))
    assert len(set(links)) == len(links) == 2


@time_machine.travel("2026-11-20 09:30Z")  # Friday 10:30 in Berlin
def test_timer_run_pairs_groups_whose_announcement_passed(roulette, join):
    join("Ann", "UTC", (MON, "10:00", "11:00"))
    join("Bob", "UTC", (MON, "10:00", "11:00"))

    output = pair()

    assert output.startswith("rust-berlin 2026-W48: paired 1 pairs")
    assert pair() == ""


@time_machine.travel("2026-11-20 08:30Z")  # Friday 09:30 in Berlin
def test_timer_run_before_announcement_does_nothing(roulette, join):
    join("Ann", "UTC", (MON, "10:00", "11:00"))
    join("Bob", "UTC", (MON, "10:00", "11:00"))

    assert pair() == ""
    assert Round.objects.exists() is False


@pytest.mark.parametrize(
    "args,error",
    [
        (["--week", "2026-49"], "--week must be an ISO week like 2026-W49, not “2026-49”."),
        (["--week", "2026-W47"], "2026-W47 has started already; pair a week that is still ahead."),
        (["--week", "2026-W99"], "--week must be an ISO week like 2026-W49, not “2026-W99”."),
        (["--week", "9999-W52"], "9999-W52 is more than a year ahead; pair a week within the next year."),
        (["--week", "2027-W48"], "2027-W48 is more than a year ahead; pair a week within the next year."),
        (["--group", "nope"], "No group with the slug “nope”."),
        (["--seed", "-1"], "--seed must be between 0 and 2147483647."),
        (["--seed", "9" * 30, "--dry-run"], "--seed must be between 0 and 2147483647."),
        (["--group", "rust\x00berlin"], "Error: argument --group: Control characters (such as tabs, line breaks or escape codes) are not allowed here."),
        (["--week", "2026-W49\x00"], "Error: argument --week: Control characters (such as tabs, line breaks or escape codes) are not allowed here."),
        (["--group", "other"], "Coffee roulette is off for other."),
    ],
)  # fmt: skip
@time_machine.travel("2026-11-20 12:00Z")
def test_bad_input_is_a_one_line_error(roulette, args, error):
    from tests.factories import GroupFactory

    GroupFactory(slug="other")

    with pytest.raises(CommandError) as raised:
        pair(*args)

    assert str(raised.value) == error


@pytest.mark.parametrize("size", [22, 62])
@time_machine.travel("2026-11-27 12:00Z")
def test_weekly_run_makes_the_same_queries_whatever_the_group_size(
    roulette, join, size
):
    # Pairs, a trio and someone with nobody to meet: every kind of email.
    for n in range(size - 1):
        join(f"P{n}", "UTC", (MON, "10:00", "11:00"))
    join("Lone", "UTC", (SUN, "10:00", "11:00"))

    with CaptureQueriesContext(connection) as queries:
        pair("--week", "2026-W49")

    assert Message.objects.count() == size
    assert sat_out("2026-W49") == [("Lone", "no_common_time")]
    assert len(queries) == 25


@time_machine.travel("2026-11-27 12:00Z")
def test_member_without_event_updates_is_paired_and_invited(roulette, join, group):
    ann = join("Ann", "UTC", (MON, "10:00", "11:00"))
    join("Bob", "UTC", (MON, "10:00", "11:00"))
    OptOut.objects.create(user=ann, group=group, topic=Topic.EVENT_UPDATES)

    pair("--week", "2026-W49")
    drain()

    assert [names for names, _ in meetings("2026-W49")] == [["Ann", "Bob"]]
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ann@example.org", "bob@example.org",
    ]  # fmt: skip


@pytest.mark.parametrize("blocked_by", ["suppression", "roulette_opt_out"])
@time_machine.travel("2026-11-27 12:00Z")
def test_member_whose_invitation_would_not_arrive_is_not_paired(
    roulette, join, group, blocked_by
):
    ann = join("Ann", "UTC", (MON, "10:00", "11:00"))
    join("Bob", "UTC", (MON, "10:00", "11:00"))
    join("Cem", "UTC", (MON, "10:00", "11:00"))
    if blocked_by == "suppression":
        Suppression.objects.create(email="ann@example.org", reason="bounce")
    else:
        OptOut.objects.create(user=ann, group=group, topic=Topic.ROULETTE)

    pair("--week", "2026-W49")
    drain()

    assert [names for names, _ in meetings("2026-W49")] == [["Bob", "Cem"]]
    assert sat_out("2026-W49") == []
    assert sorted(m.to[0] for m in mail.outbox) == [
        "bob@example.org", "cem@example.org",
    ]  # fmt: skip
