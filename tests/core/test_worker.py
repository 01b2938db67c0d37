"""The task worker as its unit runs it, through database outages."""

import os
import subprocess
import sys
import time

import psycopg
import pytest

from tests.scratch import ROOT, manage, migrated_database, needs_postgresql

pytestmark = [pytest.mark.slow, needs_postgresql]

ENQUEUE = (
    "from unconference.tasks import run_schedule; "
    "print(run_schedule.enqueue(run_id=2**31 - 1).id)"
)


def _status(database_url, result_id) -> str:
    """The task result's status, read from its row (no manage.py process)."""
    from django_tasks_db.models import DBTaskResult

    table = DBTaskResult._meta.db_table
    with psycopg.connect(database_url, autocommit=True) as connection:
        return connection.execute(
            f"SELECT status FROM {table} WHERE id = %s", [result_id]
        ).fetchone()[0]


def _connections(database_url) -> int:
    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as connection:
        return connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [name]
        ).fetchone()[0]


def _kill_connections(database_url, *, allow: bool):
    """End every connection to the database; with allow=False, refuse new ones."""
    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as connection:
        connection.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS {allow}")
        return connection.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        ).fetchone()[0]


def test_worker_survives_lost_connections_and_runs_tasks_after(tmp_path):
    with migrated_database() as database_url:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "CONN_MAX_AGE": "60",
            "DEBUG": "false",
        }
        log = open(tmp_path / "worker.log", "w")  # noqa: SIM115
        worker = subprocess.Popen(
            # The ExecStart of meetings-tasks.service.
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "2"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while not _connections(database_url):  # The worker is polling.
                assert time.monotonic() < deadline, "the worker never connected"
                time.sleep(0.2)
            killed = 0
            deadline = time.monotonic() + 6
            while time.monotonic() < deadline:  # An outage: no connections at all.
                killed += _kill_connections(database_url, allow=False)
                time.sleep(0.3)
            _kill_connections(database_url, allow=True)
            assert killed > 0, "the worker never held a connection"
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()

            result_id = manage(env, "shell", "-v", "0", "-c", ENQUEUE).strip()
            deadline = time.monotonic() + 60
            while _status(database_url, result_id) != "SUCCESSFUL":
                assert time.monotonic() < deadline, (
                    tmp_path / "worker.log"
                ).read_text()
                time.sleep(0.2)
        finally:
            worker.terminate()
            worker.wait(30)
            log.close()
    output = (tmp_path / "worker.log").read_text()
    assert "Database error (OperationalError" in output or "InterfaceError" in output
    assert "Traceback" not in output
