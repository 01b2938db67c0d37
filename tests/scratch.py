"""A scratch PostgreSQL database for tests that run the real commands as processes.

pytest-django's test database lives inside the test's transaction, which other
processes cannot see; these tests make their own database on the same server,
migrate it with the real command and drop it afterwards.
"""

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


@contextmanager
def scratch_database() -> Iterator[str]:
    """Create an empty database next to DATABASE_URL's; yield its URL; drop it."""
    import psycopg

    admin_url = os.environ["DATABASE_URL"]
    name = f"scratch_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    try:
        parts = urllib.parse.urlsplit(admin_url)._replace(path=f"/{name}")
        yield urllib.parse.urlunsplit(parts)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def manage(env: dict, *args: str, timeout: float = 300) -> str:
    """Run manage.py in a process of its own; its stdout, or fail with its output."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stderr}"
    return result.stdout
