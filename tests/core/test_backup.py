"""deploy/backup.sh and deploy/restore-drill.sh, run as processes on the test server.

The tests commit their data (transactional tests), so pg_dump, a process of its
own, sees it in the test database; the drill restores the dump into a scratch
database of its own and serves it with gunicorn.
"""

import os
import re
import socket
import subprocess
import time
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from accounts.models import User
from events.models import Event, Rsvp
from groups.models import Group
from tests.factories import RsvpFactory, UserFactory
from tests.scratch import ROOT, needs_postgresql

pytestmark = [
    pytest.mark.slow,
    needs_postgresql,
    pytest.mark.django_db(transaction=True),
]

DAY = 24 * 60 * 60


def _run(script: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [ROOT / "deploy" / script, *args],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def _backup(folder: Path, **env: str) -> subprocess.CompletedProcess:
    env = {"PGDATABASE": connection.settings_dict["NAME"], **env}
    return _run("backup.sh", BACKUP_DIR=str(folder), **env)


def _old_dump(folder: Path, name: str, *, days: float) -> None:
    path = folder / name
    path.write_bytes(b"an older dump")
    then = time.time() - days * DAY
    os.utime(path, (then, then))


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _drill_databases() -> list[str]:
    with psycopg.connect(os.environ["DATABASE_URL"]) as admin:
        rows = admin.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'meetings_drill_%'"
        ).fetchall()
    return [name for (name,) in rows]


@pytest.fixture
def backups(tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir(mode=0o700)
    return folder


@pytest.fixture
def dump(backups):
    """A nightly dump of committed data: 4 people, 3 groups, events and replies."""
    RsvpFactory.create_batch(3)
    UserFactory()
    result = _backup(backups)
    assert result.returncode == 0, result.stderr
    (path,) = backups.glob("meetings-*.dump")
    return path


def test_backup_writes_a_dump_only_its_owner_reads(backups):
    UserFactory()

    result = _backup(backups)

    assert result.returncode == 0, result.stderr
    (path,) = backups.iterdir()
    assert re.fullmatch(r"meetings-\d{4}-\d\d-\d\dT\d{6}Z\.dump", path.name)
    assert result.stdout.startswith(f"backup written: {path} (")
    assert path.stat().st_mode & 0o777 == 0o600
    listing = subprocess.run(["pg_restore", "--list", path], capture_output=True)
    assert listing.returncode == 0, listing.stderr


def test_backup_deletes_dumps_older_than_keep_days_after_a_good_dump(backups):
    _old_dump(backups, "meetings-old.dump", days=14.1)
    _old_dump(backups, "meetings-recent.dump", days=13.9)
    _old_dump(backups, "unrelated-old.txt", days=30)

    result = _backup(backups)  # BACKUP_KEEP_DAYS defaults to 14.

    assert result.returncode == 0, result.stderr
    (new,) = set(_files(backups)) - {"meetings-recent.dump", "unrelated-old.txt"}
    assert new.startswith("meetings-2")
    assert "deleted old dump: " in result.stdout
    assert "meetings-old.dump" not in _files(backups)


def test_backup_keeps_the_days_it_is_told_to(backups):
    _old_dump(backups, "meetings-recent.dump", days=3)

    result = _backup(backups, BACKUP_KEEP_DAYS="2")

    assert result.returncode == 0, result.stderr
    assert "meetings-recent.dump" not in _files(backups)


def test_failed_backup_keeps_every_old_dump_and_leaves_no_partial_file(backups):
    _old_dump(backups, "meetings-old.dump", days=30)
    _old_dump(backups, "meetings-recent.dump", days=1)

    result = _backup(backups, PGDATABASE="no_such_database")

    assert result.returncode == 1
    assert _files(backups) == ["meetings-old.dump", "meetings-recent.dump"]
    assert result.stderr.startswith("backup failed: pg_dump no_such_database: ")
    assert result.stderr.count("\n") == 1


def test_restore_drill_serves_the_dump_and_counts_its_rows(dump):
    counts = tuple(m.objects.count() for m in (User, Group, Event, Rsvp))
    assert counts == (4, 3, 3, 3)
    report = re.compile(
        rf"""restore drill passed: {re.escape(str(dump))}
  dump of      {connection.settings_dict["NAME"]}, created .+ UTC, \S+
  restored     into scratch database meetings_drill_\d+_\d+ in \d+\.\d s
  migrate      --check: no unapplied migrations
  gunicorn     127\.0\.0\.1:(\d+), /healthz 200
  rows         users 4, groups 3, events 3, replies 3 \(as in the dump\)
  cleaned up   gunicorn stopped, scratch database dropped
"""
    )

    result = _run("restore-drill.sh", str(dump))

    assert result.returncode == 0, result.stderr
    match = report.fullmatch(result.stdout)
    assert match, result.stdout
    with pytest.raises(ConnectionRefusedError):  # It stopped gunicorn...
        socket.create_connection(("127.0.0.1", int(match[1])), timeout=5)
    assert _drill_databases() == []  # ...and dropped its database.


def _garbage(path: Path) -> None:
    path.write_bytes(os.urandom(4096))


def _half(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _last_byte_missing(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-1])


@pytest.mark.parametrize("damage", [_garbage, _half, _last_byte_missing])
def test_restore_drill_fails_in_one_line_on_a_damaged_dump(dump, damage):
    damage(dump)

    result = _run("restore-drill.sh", str(dump))

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("restore drill failed: ")
    assert result.stderr.count("\n") == 1
    assert _drill_databases() == []


def test_restore_drill_fails_when_the_dump_lacks_this_codes_migrations(backups):
    # A database that has the tables but no record of the migrations, as a
    # dump taken before an upgrade looks to the upgraded code.
    path = backups / "no-migrations.dump"
    database = connection.settings_dict["NAME"]
    subprocess.run(
        ["pg_dump", "--format=custom", "--exclude-table-data=django_migrations",
         f"--file={path}", database],
        check=True,
    )  # fmt: skip

    result = _run("restore-drill.sh", str(path))

    assert result.returncode == 1
    assert re.fullmatch(
        r"restore drill failed: migrate --check: \d+ migrations of this code are"
        r" not applied in the dump \(first: \w+\.0001_\w+\)\n",
        result.stderr,
    )
    assert _drill_databases() == []
