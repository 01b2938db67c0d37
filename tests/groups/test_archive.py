"""Taking a group along: `export_group` writes an archive, `import_group` reads it.

Names and addresses go to another site only for members who agreed (the
"take me along" choice on the group page); everyone else is a count.
"""

import json
import zipfile
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import User
from events.models import Event, Rsvp
from groups.models import Group, Membership
from mailings.models import Mailing
from mailings.services import mailing_queue
from notifications.models import Delivery, Message, OptOut
from roulette.models import RouletteSettings
from tests.once import built_once, for_test

TAKEN_ALONG = ["ada@example.org", "bruno@example.org", "dev@example.org",
               "femi@example.org"]  # fmt: skip


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


def _snapshot(slug: str) -> dict:
    """What the round trip must keep, keyed by address and UID (never pk)."""
    group = Group.objects.get(slug=slug)
    memberships = Membership.objects.filter(group=group).select_related("user")
    events = Event.objects.filter(group=group)
    replies = Rsvp.objects.filter(event__group=group).select_related("event", "user")
    mailings = Mailing.objects.filter(group=group).select_related("event", "author")
    return {
        "group": (group.name, group.description, group.location, group.timezone,
                  group.created_at),
        "members": sorted(
            (m.user.email, m.user.name, m.user.timezone, m.role, m.joined_at)
            for m in memberships
        ),
        "events": sorted(
            (e.uid, e.sequence, e.title, e.description, e.start, e.end, e.timezone,
             e.venue, e.online_url, e.capacity, e.status, e.cancel_message)
            for e in events
        ),
        "replies": sorted((r.event.uid, r.user.email, r.status) for r in replies),
        "mailings": sorted(
            (m.subject, m.body, m.audience, m.event and m.event.uid,
             m.author and m.author.email, m.recipient_count, m.queued_at)
            for m in mailings
        ),
        "roulette": list(
            RouletteSettings.objects.filter(group=group).values_list(
                "enabled", "minutes", "announce_weekday", "announce_hour",
                "repeat_weeks", "video_link_template",
            )
        ),
        "opt_outs": sorted(
            OptOut.objects.filter(group=group).values_list("user__email", "topic")
        ),
    }  # fmt: skip


def _only(snapshot: dict, emails: list[str]) -> dict:
    """The snapshot as it looks with only these people's personal rows."""
    return {
        **snapshot,
        "members": [m for m in snapshot["members"] if m[0] in emails],
        "replies": [r for r in snapshot["replies"] if r[1] in emails],
        "mailings": [
            (*m[:4], m[4] if m[4] in emails else None, *m[5:])
            for m in snapshot["mailings"]
        ],
        "opt_outs": [o for o in snapshot["opt_outs"] if o[0] in emails],
    }


@pytest.fixture(scope="module")
def _demo_once(request, django_db_setup, django_db_blocker, tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    with built_once(request, django_db_blocker, folder, _load_demo) as rust:
        yield rust, folder


@pytest.fixture
def demo(_demo_once, db, settings):
    """The demo (as `make run` loads it) where four of Rust Berlin's ten agreed
    to come along, with a sent mailing about an event and an opt-out; loaded
    once for the module, each test's writes rolled back (tests/once.py)."""
    return for_test(*_demo_once, settings)


def _load_demo() -> Group:
    run("load_demo")
    rust = Group.objects.get(slug="rust-berlin")
    Membership.objects.filter(group=rust, user__email__in=TAKEN_ALONG).update(
        export_consent=True
    )
    ada = User.objects.get(email="ada@example.org")
    workshop = Event.objects.get(title="Embedded Rust workshop (small room)")
    mailing_queue(
        mailing=Mailing.objects.create(
            group=rust, event=workshop, audience="waitlisted", author=ada,
            subject="A second workshop?", body="**Waiting** for a place? Reply!",
        )
    )  # fmt: skip
    for email, topic in [
        ("dev@example.org", "mailings"),
        ("emi@example.org", "announcements"),
    ]:
        OptOut.objects.create(
            user=User.objects.get(email=email), group=rust, topic=topic
        )
    return rust


def _forget_everything() -> None:
    """An empty installation, as far as the group is concerned: no group, nobody."""
    Group.objects.all().delete()
    User.objects.all().delete()
    Message.objects.all().delete()
    mail.outbox.clear()


def test_demo_group_round_trips_with_the_people_who_agreed(demo, tmp_path):
    before = _snapshot("rust-berlin")
    path = tmp_path / "rust.zip"
    run("export_group", "rust-berlin", "--output", str(path))
    _forget_everything()

    out = run("import_group", str(path), "--owner", "ada@example.org")

    assert _snapshot("rust-berlin") == _only(before, TAKEN_ALONG)
    assert sorted(User.objects.values_list("email", flat=True)) == sorted(TAKEN_ALONG)
    assert out == (
        "Imported Rust Berlin as rust-berlin, owned by ada@example.org: "
        "4 members (4 new accounts), 4 events, 13 replies, 1 email opt-out, "
        "1 mailing, coffee roulette settings.\n"
    )


def test_import_creates_unverified_accounts_and_sends_no_email(demo, tmp_path):
    path = tmp_path / "rust.zip"
    run("export_group", "rust-berlin", "--output", str(path))
    _forget_everything()

    run("import_group", str(path), "--owner", "ada@example.org")

    assert list(User.objects.filter(email_verified_at__isnull=False)) == []
    assert (mail.outbox, Message.objects.count(), Delivery.objects.count()) == (
        [],
        0,
        0,
    )


def test_import_joins_existing_accounts_by_address(demo, tmp_path):
    path = tmp_path / "rust.zip"
    run("export_group", "rust-berlin", "--output", str(path))
    bruno = User.objects.get(email="bruno@example.org")
    Group.objects.filter(slug="rust-berlin").delete()  # its events and UIDs go too
    users = User.objects.count()

    run("import_group", str(path), "--owner", "ada@example.org", "--slug", "rust")

    assert User.objects.count() == users
    assert (
        Membership.objects.get(group__slug="rust", user__email=bruno.email).user
        == bruno
    )


def test_export_leaves_out_members_who_did_not_agree(demo, tmp_path):
    path = tmp_path / "rust.zip"
    run("export_group", "rust-berlin", "--output", str(path))

    data = _group_json(path)
    text = json.dumps(data)

    assert sorted(p["email"] for p in data["people"]) == sorted(TAKEN_ALONG)
    assert "chiara" not in text.lower()
    assert data["groups"]["members_left_out"] == 6


def test_export_counts_the_replies_of_people_left_out(demo, tmp_path):
    path = tmp_path / "rust.zip"
    run("export_group", "rust-berlin", "--output", str(path))

    events = _group_json(path)["events"]["events"]
    workshop = next(e for e in events if e["title"].startswith("Embedded"))

    # Bruno and Dev attend, Femi waits (they agreed); Chiara and Emi attend,
    # Grace and Hugo wait (they did not).
    assert sorted((r["status"]) for r in workshop["replies"]) == [
        "attending", "attending", "waitlisted",
    ]  # fmt: skip
    assert workshop["replies_left_out"] == {
        "attending": 2, "not_attending": 0, "waitlisted": 2,
    }  # fmt: skip


def test_archive_holds_a_versioned_json_and_every_event_as_ics(demo, tmp_path):
    path = tmp_path / "rust.zip"
    run("export_group", "rust-berlin", "--output", str(path))

    with zipfile.ZipFile(path) as archive:
        names = sorted(archive.namelist())
        ics = archive.read("events.ics").decode()
    data = _group_json(path)

    assert names == ["events.ics", "group.json"]
    assert (data["format"], data["version"]) == ("meetings-group", 1)
    uids = Event.objects.filter(group__slug="rust-berlin").values_list("uid", flat=True)
    assert sorted(line[4:] for line in ics.splitlines() if line.startswith("UID:")) == (
        sorted(uids)
    )


def test_export_command_names_the_file_after_the_slug_and_date(
    demo, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)

    out = run("export_group", "rust-berlin")

    name = f"rust-berlin-{timezone.now().date().isoformat()}.zip"
    assert (tmp_path / name).exists() is True
    assert out == (
        f"Wrote {name}: 4 members who agreed to come along; "
        "6 who did not are left out.\n"
    )


def test_export_command_refuses_to_overwrite_a_file(demo, tmp_path):
    path = tmp_path / "rust.zip"
    path.write_bytes(b"keep me")

    with pytest.raises(CommandError, match="exists already"):
        run("export_group", "rust-berlin", "--output", str(path))

    assert path.read_bytes() == b"keep me"


def _group_json(path) -> dict:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("group.json"))
