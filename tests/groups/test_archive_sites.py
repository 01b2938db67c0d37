"""A group moves between two installations: two databases, the real commands."""

import json
import os
import zipfile

import pytest

from tests.scratch import manage, migrated_database, needs_postgresql

pytestmark = [pytest.mark.slow, needs_postgresql]

AGREE = ["ada@example.org", "bruno@example.org", "dev@example.org"]


def _agree(database_url: str) -> None:
    """AGREE's members of Rust Berlin agree to come along (as their choice on
    the group page would), written straight to the rows: no manage.py process."""
    import psycopg

    from accounts.models import User
    from groups.models import Group, Membership

    with psycopg.connect(database_url, autocommit=True) as connection:
        changed = connection.execute(
            f"UPDATE {Membership._meta.db_table} SET export_consent = true"
            f" WHERE group_id = (SELECT id FROM {Group._meta.db_table}"
            "  WHERE slug = 'rust-berlin')"
            f" AND user_id IN (SELECT id FROM {User._meta.db_table}"
            "  WHERE email = ANY(%s))",
            [AGREE],
        ).rowcount
    assert changed == len(AGREE)


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
    with migrated_database() as old_url, migrated_database() as new_url:
        old = {**os.environ, "DATABASE_URL": old_url, "DEBUG": "false",
               "SITE_URL": "https://old.example", "MAIL_FILE_DIR": str(tmp_path)}  # fmt: skip
        new = {**old, "DATABASE_URL": new_url, "SITE_URL": "https://new.example"}
        manage(old, "load_demo")
        _agree(old_url)
        manage(old, "export_group", "rust-berlin", "--output", str(first))

        imported = manage(new, "import_group", str(first), "--owner", "ada@example.org")
        manage(new, "export_group", "rust-berlin", "--output", str(second))

    assert imported == (
        "Imported Rust Berlin as rust-berlin, owned by ada@example.org: 3 members "
        "(3 new accounts), 4 events, 9 replies, 0 email opt-outs, 0 mailings, "
        "coffee roulette settings.\n"
    )
    assert _sections(second) == _sections(first)
