import shutil
import subprocess
from pathlib import Path

import pytest

from tests.once import settings_for

LOCALE = Path(__file__).resolve().parent.parent / "locale"


def pytest_configure(config):
    """Compile the shipped catalogs (locale/*/LC_MESSAGES/*.po) once per run.

    The .mo files are built, never committed (`make` builds them too). Only
    the controlling process compiles: pytest-xdist's workers start after it,
    so none of them reads a half-written file.
    """
    if hasattr(config, "workerinput"):
        return
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        raise pytest.UsageError("msgfmt is missing: apt-get install gettext.")
    for po in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
        subprocess.run(
            [msgfmt, "--check", "-o", str(po.with_suffix(".mo")), str(po)], check=True
        )


@pytest.fixture(autouse=True)
def _english(settings):
    """Each test starts in LANGUAGE_CODE: a request in another language leaves
    that language active in the thread, for whatever the next test renders."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """Settings every test runs with (tests/once.py lists them), files in tmp_path."""
    for name, value in settings_for(tmp_path, settings.STORAGES).items():
        setattr(settings, name, value)


@pytest.fixture
def user(db):
    from tests.factories import UserFactory

    return UserFactory(email="ann@example.org", name="Ann")


@pytest.fixture
def charlie(db):
    """A third person with no relation to anything under test."""
    from tests.factories import UserFactory

    return UserFactory(email="charlie@example.org", name="Charlie")


@pytest.fixture
def committing(django_capture_on_commit_callbacks):
    """Run on-commit callbacks (email sends) as a real commit would.

    Tests run inside a transaction that never commits, so without this no email
    queued with transaction.on_commit would ever leave.
    """

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture
def group(db):
    from tests.factories import GroupFactory

    return GroupFactory(name="Rust Berlin", slug="rust-berlin")


@pytest.fixture
def owner(group):
    from tests.factories import MembershipFactory, UserFactory

    person = UserFactory(email="olga@example.org", name="Olga Owner")
    MembershipFactory(user=person, group=group, role="owner")
    return person


@pytest.fixture
def member(group):
    from tests.factories import MembershipFactory, UserFactory

    person = UserFactory(email="mo@example.org", name="Mo Member")
    MembershipFactory(user=person, group=group)
    return person


@pytest.fixture
def staff(db):
    from tests.factories import UserFactory

    return UserFactory(email="staff@example.org", name="Sam Staff", is_staff=True)


@pytest.fixture
def event(group, owner):
    from tests.factories import EventFactory

    return EventFactory(group=group, title="Async Rust night", created_by=owner)
