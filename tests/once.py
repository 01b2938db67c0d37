"""Rows built once for a whole test module, as Django's TestCase.setUpTestData.

Some modules open hundreds of pages on the same rows (the permission matrix)
or run every test on the loaded demo; building those rows again for each test
cost most of their time. `built_once` builds them in a transaction that stays
open until the module's last test and is then rolled back. Each test's `db`
fixture (Django's TestCase) runs inside it as a savepoint that is rolled back
after the test, so a test that writes still leaves the next one the rows as
they were built, and nothing is ever committed.

`settings_for(folder)` is what every test runs with (tests/conftest.py); the
rows are built under the same values, with files in `folder`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest


def settings_for(folder: Path, storages: dict) -> dict[str, Any]:
    """The settings every test runs with: plain HTTP, unhashed static names,
    fast hashes, mail and uploads in `folder`, tasks run at once."""
    return {
        "SECURE_SSL_REDIRECT": False,
        "STORAGES": {
            **storages,
            "staticfiles": {
                "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
            },
        },
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        "SITE_URL": "https://meetings.test",
        "MAIL_FILE_DIR": str(folder / "mail"),
        # Uploaded images go to the test's own folder, never to var/media.
        "MEDIA_ROOT": str(folder / "media"),
        # Background tasks run at once, inside the request or command that queues them.
        "TASKS": {
            "default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}
        },
    }


def _transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    return bool(
        (marker and (marker.kwargs.get("transaction") or marker.args[:1] == (True,)))
        or "transactional_db" in fixtures
        or "live_server" in fixtures
    )


@contextmanager
def built_once(
    request: pytest.FixtureRequest,
    django_db_blocker: Any,
    folder: Path,
    build: Callable[[], Any],
) -> Iterator[Any]:
    """Yield what `build()` returns, its rows visible to every test of the
    module until the module ends; then roll them back.

    Use it from a module-scoped fixture that every test of the module uses
    (through a function-scoped one, see `for_test`): the rows are there for
    all of them. A module with a test that does not use it, or with a
    transactional test (it would commit and flush inside the open
    transaction), is refused.
    """
    from django.conf import settings
    from django.db import transaction
    from django.test.utils import override_settings

    # Every test of the module sees the rows, so every test must ask for them,
    # and none may commit (and flush) inside the open transaction.
    tests = [
        i for i in request.session.items if getattr(i, "module", None) is request.module
    ]
    others = [i.nodeid for i in tests if request.fixturename not in i.fixturenames]
    if others:
        pytest.fail(
            f"{request.fixturename} is built for every test here; these "
            f"do not use it, so put them in another module: {others}"
        )
    mixed = [i.nodeid for i in tests if _transactional(i)]
    if mixed:
        pytest.fail(f"built_once cannot share rows with transactional tests: {mixed}")
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            with override_settings(**settings_for(folder, settings.STORAGES)):
                built = build()
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
    try:
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def for_test(built: Any, folder: Path, settings: Any) -> Any:
    """What `built_once` built, for one test: deep copies of its objects (so a
    test that changes one leaves the next the original) and a copy of the
    files uploaded while building in the test's own MEDIA_ROOT."""
    import copy
    import shutil

    media = folder / "media"
    if media.is_dir():
        shutil.copytree(media, settings.MEDIA_ROOT, dirs_exist_ok=True)
    return copy.deepcopy(built)
