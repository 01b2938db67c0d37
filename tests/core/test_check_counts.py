"""`manage.py check_counts` finds stored counts that drifted and repairs them."""

from io import StringIO

from django.core.management import call_command
from django.db import connection

from events.models import EventCounts
from groups.models import GroupCounts
from tests.factories import MembershipFactory, RsvpFactory

CLEAN = "groups_member_counts: 0 repaired\nevents_reply_counts: 0 repaired\n"


def run(*args: str) -> str:
    out = StringIO()
    call_command("check_counts", *args, stdout=out)
    return out.getvalue()


def _members(group) -> int:
    return GroupCounts.objects.get(group=group).members


def test_counts_kept_by_the_triggers_need_no_repair(group, owner, event, member):
    RsvpFactory(event=event, user=member)

    assert run() == CLEAN


def test_a_drifted_member_count_is_repaired(group, owner, member):
    GroupCounts.objects.filter(group=group).update(members=7)

    out = run()

    assert _members(group) == 2
    assert out == (
        f"groups_member_counts: groups_group {group.pk}: (members) 7 -> 2\n"
        "groups_member_counts: 1 repaired\n"
        "events_reply_counts: 0 repaired\n"
    )
    assert run() == CLEAN


def test_drifted_reply_counts_are_repaired(event, member):
    RsvpFactory(event=event, user=member, status="waitlisted")
    EventCounts.objects.filter(event=event).update(attending=3, waitlisted=0)

    out = run()

    stored = EventCounts.objects.get(event=event)
    assert (stored.attending, stored.waitlisted, stored.not_attending) == (0, 1, 0)
    assert (
        f"events_reply_counts: events_event {event.pk}: "
        "(attending, waitlisted, not_attending) 3, 0, 0 -> 0, 1, 0\n"
    ) in out


def test_a_missing_counts_row_is_made(group, owner):
    GroupCounts.objects.filter(group=group).delete()

    out = run()

    assert _members(group) == 1
    assert f"groups_group {group.pk}: (members) no row -> 1\n" in out


def test_dry_run_reports_and_changes_nothing(group, owner):
    GroupCounts.objects.filter(group=group).update(members=0)

    out = run("--dry-run")

    assert _members(group) == 0
    assert out == (
        f"groups_member_counts: groups_group {group.pk}: (members) 0 -> 1\n"
        "groups_member_counts: 1 would repair\n"
        "events_reply_counts: 0 would repair\n"
    )


def test_a_dropped_trigger_is_put_back_and_its_misses_recounted(group, owner):
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER groups_member_counts ON groups_membership")
    MembershipFactory(group=group)  # not counted: no trigger

    out = run()
    MembershipFactory(group=group)  # counted again

    assert _members(group) == 3
    assert out.startswith(
        "groups_member_counts: triggers missing, repaired: groups_member_counts\n"
        f"groups_member_counts: groups_group {group.pk}: (members) 1 -> 2\n"
    )
