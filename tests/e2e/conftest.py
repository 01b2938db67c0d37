"""Headless Chromium for the browser tests: one browser per run of tests/e2e.

Playwright drives Debian's Chromium (/usr/bin/chromium); it never downloads a
browser. Each test gets fresh browser contexts ("a blank browser"), and a test
that fails leaves a screenshot and the page's HTML in var/test-artifacts/.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    # Fixtures read this at teardown to decide whether to keep artefacts.
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="package")
def browser(django_db_blocker):
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does).")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread, which makes
    # Django refuse ORM calls from test code; the ORM use here is synchronous.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    # Django keeps a connection per context, and starting Playwright gives this
    # thread another one: a connection opened before it would stay open, idle,
    # until the run ends, and the test database could not be dropped then
    # ("being accessed by other users"). So none is open on either side.
    connections.close_all()
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()
    finally:
        connections.close_all()
        playwright.stop()
        _no_other_session(django_db_blocker)
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _no_other_session(django_db_blocker) -> None:
    """Fail if this test database has a session besides the one asking."""
    with django_db_blocker.unblock():
        with connections["default"].cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            (others,) = cursor.fetchone()
        connections.close_all()
    assert others == 0, f"{others} database session(s) left open by the browser tests"


@pytest.fixture
def js():
    """JavaScript on; journeys parametrize this to run once with it off."""
    return True


@pytest.fixture
def new_page(browser, request):
    """A factory of pages, each in its own blank browser context."""
    pages = []

    def make(
        *, base_url: str | None = None, js: bool = True, timezone_id: str | None = None
    ):
        context = browser.new_context(
            base_url=base_url, java_script_enabled=js, timezone_id=timezone_id
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        pages.append(page)
        return page

    yield make
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        _save_artifacts(request.node.nodeid, pages)
    for page in pages:
        page.context.close()


@pytest.fixture(scope="package")
def live_server():
    """pytest-django's live server, started under plain-HTTP settings.

    SecurityMiddleware reads SECURE_SSL_REDIRECT once, when the server builds
    its handler, so the override must be in place before the server starts;
    and browsers drop Secure cookies over plain HTTP.
    """
    from django.test.utils import override_settings
    from pytest_django.live_server_helper import LiveServer

    plain_http = override_settings(
        SECURE_SSL_REDIRECT=False,
        SESSION_COOKIE_SECURE=False,
        CSRF_COOKIE_SECURE=False,
    )
    with plain_http:
        server = LiveServer("localhost")
        yield server
        server.stop()


@pytest.fixture
def page(new_page, live_server, js):
    """A blank browser pointed at the live server."""
    return new_page(base_url=live_server.url, js=js)


def _save_artifacts(nodeid: str, pages) -> None:
    folder = Path(settings.BASE_DIR) / "var" / "test-artifacts"
    folder.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")
    for number, page in enumerate(pages, start=1):
        if page.is_closed():
            continue
        name = stem if len(pages) == 1 else f"{stem}-{number}"
        try:
            page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
            (folder / f"{name}.html").write_text(page.content())
        except Exception as error:  # a crashed page must not hide the failure
            (folder / f"{name}.txt").write_text(f"no artefact: {error}\n")
