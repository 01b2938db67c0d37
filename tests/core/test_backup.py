"""deploy/backup.sh, run as a process on the test server.

The tests commit their data (transactional tests), so pg_dump, a process of its
own, sees it in the test database.
"""

import os
import re
import subprocess
import time
from pathlib import Path

import pytest
from django.db import connection

from tests.factories import UserFactory
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


@pytest.fixture
def backups(tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir(mode=0o700)
    return folder


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
