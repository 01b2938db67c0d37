"""Taking a group along: `export_group` writes an archive, `import_group` reads it.

Names and addresses go to another site only for members who agreed (the
"take me along" choice on the group page); everyone else is a count.
"""

import io
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
from tests.factories import EventFactory, MembershipFactory, RsvpFactory, UserFactory

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


@pytest.fixture
def demo(db):
    """The demo (as `make run` loads it) where four of Rust Berlin's ten agreed
    to come along, with a sent mailing about an event and an opt-out."""
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


def test_export_command_refuses_an_unknown_group(db, tmp_path):
    with pytest.raises(CommandError, match="^No group with the slug “nope”.$"):
        run("export_group", "nope", "--output", str(tmp_path / "x.zip"))


# Refusals: one line, and nothing stored.


def _group_json(path) -> dict:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("group.json"))


def _write(path, data: dict, *, extra: dict | None = None) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("group.json", json.dumps(data))
        for name, body in (extra or {}).items():
            archive.writestr(name, body)


@pytest.fixture
def archive(group, owner, member, tmp_path):
    """A small group's archive (owner and member agreed), the group then gone."""
    Membership.objects.filter(group=group).update(export_consent=True)
    event = EventFactory(group=group, title="Async night", uid="async@meetings")
    RsvpFactory(event=event, user=member)
    path = tmp_path / "group.zip"
    run("export_group", group.slug, "--output", str(path))
    group.delete()
    return path


def _counts() -> tuple[int, ...]:
    return (Group.objects.count(), Event.objects.count(), Rsvp.objects.count(),
            Membership.objects.count(), User.objects.count())  # fmt: skip


def _refused(path, *args) -> str:
    before = _counts()
    with pytest.raises(CommandError) as error:
        run("import_group", str(path), "--owner", "olga@example.org", *args)
    assert _counts() == before
    message = str(error.value)
    assert "\n" not in message
    return message


def test_import_refuses_a_slug_that_exists(archive, tmp_path):
    Group.objects.create(name="Other", slug="rust-berlin")

    assert _refused(archive) == (
        "A group with the slug “rust-berlin” exists already; choose another with --slug."
    )


def test_import_refuses_a_uid_that_exists(archive):
    EventFactory(uid="async@meetings")

    assert _refused(archive, "--slug", "rust") == (
        "An event with the UID async@meetings exists here already; "
        "this group was imported before, or the event came from its calendar."
    )


def test_import_refuses_a_file_that_is_not_a_zip(db, tmp_path):
    path = tmp_path / "group.zip"
    path.write_bytes(b"PK\x03\x04 but not really")

    assert _refused(path) == f"{path} is not a zip archive."


def test_import_refuses_a_zip_without_group_json(db, tmp_path):
    path = tmp_path / "group.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("events.ics", "BEGIN:VCALENDAR")

    assert _refused(path) == f"{path} holds no group.json: it is not a group archive."


def test_import_refuses_a_damaged_group_json(archive, tmp_path):
    path = tmp_path / "damaged.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as stored:
        stored.writestr("group.json", json.dumps(_group_json(archive)))
    raw = path.read_bytes()
    path.write_bytes(raw.replace(b"meetings-group", b"meetings-grouX", 1))

    assert _refused(path) == (f"{path} is damaged: Bad CRC-32 for file 'group.json'.")


def test_import_refuses_json_that_does_not_parse(db, tmp_path):
    path = tmp_path / "group.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("group.json", "{nope")

    assert _refused(path).startswith("group.json is not valid JSON:")


@pytest.mark.parametrize(
    "change,message",
    [
        ({"format": "other"}, "This is not a meetings group archive (format “other”)."),
        ({"version": 2}, "This archive is version 2; this site reads version 1."),
        ({"version": "1"}, "This archive is version '1'; this site reads version 1."),
    ],
)
def test_import_refuses_a_wrong_format_or_version(archive, tmp_path, change, message):
    path = tmp_path / "changed.zip"
    _write(path, {**_group_json(archive), **change})

    assert _refused(path) == message


@pytest.mark.parametrize(
    "where,value,message",
    [
        (("events", "events", 0, "start"), "tomorrow",
         "events.events[0].start: “tomorrow” is not a date and time with an offset."),
        (("events", "events", 0, "end"), "2000-01-01T00:00:00+00:00",
         "events.events[0]: The end must be after the start."),
        (("events", "events", 0, "timezone"), "Mars/Base",
         "events.events[0].timezone: “Mars/Base” is not a known time zone."),
        (("events", "events", 0, "title"), "Async\x1b[2J night",
         "events.events[0].title: Control characters (such as tabs, line breaks or "
         "escape codes) are not allowed here."),
        (("events", "events", 0, "replies", 0, "person"), "p9",
         "events.events[0].replies[0].person: “p9” is not one of the archive's people."),
        (("people", 0, "email"), "not an address",
         "people[0].email: Enter a valid email address."),
        (("groups", "group", "name"), "N" * 121,
         "groups.group.name: Ensure this value has at most 120 characters (it has 121)."),
    ],
)  # fmt: skip
def test_import_refuses_bad_values_naming_where(
    archive, tmp_path, where, value, message
):
    data = _group_json(archive)
    target = data
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    path = tmp_path / "changed.zip"
    _write(path, data)

    assert _refused(path) == message


def test_import_skips_unknown_sections_with_a_warning(archive, tmp_path):
    path = tmp_path / "newer.zip"
    _write(path, {**_group_json(archive), "comments": {"comments": []}})

    out = run("import_group", str(path), "--owner", "olga@example.org")

    assert out.splitlines()[0] == (
        "Warning: skipped the section “comments”; this site has nothing that reads it."
    )
    assert Event.objects.get(uid="async@meetings").group.slug == "rust-berlin"


def test_import_makes_the_named_owner_an_owner(archive):
    run("import_group", str(archive), "--owner", "NEW@example.org")

    group = Group.objects.get(slug="rust-berlin")
    owners = Membership.objects.filter(group=group, role="owner")
    assert sorted(owners.values_list("user__email", flat=True)) == [
        "new@example.org",
        "olga@example.org",
    ]
    assert User.objects.get(email="new@example.org").is_verified is False


def test_import_reads_only_group_json(archive, tmp_path):
    path = tmp_path / "no-ics.zip"
    _write(path, _group_json(archive))

    run("import_group", str(path), "--owner", "olga@example.org")

    assert Event.objects.get(uid="async@meetings").title == "Async night"


def test_an_owner_who_did_not_agree_is_left_out_too(group, owner, member, tmp_path):
    MembershipFactory(group=group, user=UserFactory(), role="owner")
    Membership.objects.filter(user=member).update(export_consent=True)
    path = tmp_path / "group.zip"
    run("export_group", group.slug, "--output", str(path))

    data = _group_json(path)

    assert [p["email"] for p in data["people"]] == ["mo@example.org"]
    assert data["groups"]["members_left_out"] == 2


def test_archive_read_refuses_a_huge_group_json(db):
    from groups.archive import MAX_JSON_BYTES, ArchiveError, archive_read

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("group.json", b" " * (MAX_JSON_BYTES + 1))

    with pytest.raises(ArchiveError, match="larger than"):
        archive_read(buffer.getvalue(), name="big.zip")
