"""A group moves between two installations: two databases, the real commands."""

import json
import os
import zipfile

import pytest

from tests.scratch import manage, needs_postgresql, scratch_database

pytestmark = [pytest.mark.slow, needs_postgresql]

AGREE = (
    "from groups.models import Membership; Membership.objects.filter("
    "group__slug='rust-berlin', user__email__in=['ada@example.org', "
    "'bruno@example.org', 'dev@example.org']).update(export_consent=True)"
)


def _sections(path) -> dict:
    """group.json without what differs by design: when, where from, the counts
    of people left out (the new site has none of them)."""
    with zipfile.ZipFile(path) as archive:
        data = json.loads(archive.read("group.json"))
    del data["exported_at"], data["site"], data["groups"]["members_left_out"]
    for event in data["events"]["events"]:
        del event["replies_left_out"]
    return data


def test_demo_group_moves_to_a_new_installation_and_back_out_the_same(tmp_path):
    first, second = tmp_path / "first.zip", tmp_path / "second.zip"
    with scratch_database() as old_url, scratch_database() as new_url:
        old = {**os.environ, "DATABASE_URL": old_url, "DEBUG": "false",
               "SITE_URL": "https://old.example", "MAIL_FILE_DIR": str(tmp_path)}  # fmt: skip
        new = {**old, "DATABASE_URL": new_url, "SITE_URL": "https://new.example"}
        manage(old, "migrate", "--noinput")
        manage(old, "load_demo")
        manage(old, "shell", "-c", AGREE)
        manage(old, "export_group", "rust-berlin", "--output", str(first))
        manage(new, "migrate", "--noinput")

        imported = manage(new, "import_group", str(first), "--owner", "ada@example.org")
        manage(new, "export_group", "rust-berlin", "--output", str(second))

    assert imported == (
        "Imported Rust Berlin as rust-berlin, owned by ada@example.org: 3 members "
        "(3 new accounts), 4 events, 9 replies, 0 email opt-outs, 0 mailings, "
        "coffee roulette settings.\n"
    )
    assert _sections(second) == _sections(first)
