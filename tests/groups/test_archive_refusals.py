"""A small group's archive: refusals (one line, and nothing stored) and what
export and import do with it. The demo's round trips are in test_archive.py.
"""

import io
import json
import zipfile
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from events.models import Event, Rsvp
from groups.models import Group, Membership
from tests.factories import EventFactory, MembershipFactory, RsvpFactory, UserFactory


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


def test_export_command_refuses_an_unknown_group(db, tmp_path):
    with pytest.raises(CommandError, match="^No group with the slug “nope”.$"):
        run("export_group", "nope", "--output", str(tmp_path / "x.zip"))


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
