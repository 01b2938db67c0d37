"""A scratch PostgreSQL database for tests that run the real commands as processes.

pytest-django's test database lives inside the test's transaction, which other
processes cannot see; these tests make their own database on the same server,
migrate it with the real command and drop it afterwards.

Migrating takes a `manage.py` process some 4 s of CPU, so `migrated_database`
copies a template instead: a scratch database that the real `manage.py
migrate` migrated once per test process (CREATE DATABASE ... TEMPLATE copies
it in a fraction of a second). The template is dropped when the tests end.
"""

import atexit
import os
import secrets
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

needs_postgresql = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs PostgreSQL",
)


def _url(name: str) -> str:
    parts = urllib.parse.urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}")
    return urllib.parse.urlunsplit(parts)


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as connection:
        connection.execute(sql)


def _drop(name: str) -> None:
    _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextmanager
def scratch_database(*, template: str = "") -> Iterator[str]:
    """Create an empty database next to DATABASE_URL's (or a copy of
    `template`); yield its URL; drop it."""
    name = f"scratch_{secrets.token_hex(4)}"
    _admin(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
    try:
        yield _url(name)
    finally:
        _drop(name)


_template: list[str] = []


@contextmanager
def migrated_database() -> Iterator[str]:
    """A scratch database as `manage.py migrate --noinput` leaves an empty one."""
    if not _template:
        name = f"scratch_template_{secrets.token_hex(4)}"
        _admin(f"CREATE DATABASE {name}")
        atexit.register(_drop, name)
        manage({**os.environ, "DATABASE_URL": _url(name)}, "migrate", "--noinput")
        _template.append(name)
    with scratch_database(template=_template[0]) as url:
        yield url


def manage(env: dict, *args: str, timeout: float = 300) -> str:
    """Run manage.py in a process of its own; its stdout, or fail with its output."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stderr}"
    return result.stdout
