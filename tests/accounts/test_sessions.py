"""Sessions (accounts.sessions): the session and its person in one query, and
sessions that still expire, end on every device, and check what Django checks."""

import importlib
from datetime import timedelta

import time_machine
from django.apps import apps
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Session
from accounts.sessions import SessionStore
from tests.factories import UserFactory

EMPTY_PAGE = "/accounts/check-inbox/"
BACKEND = "accounts.backends.EmailTokenBackend"


def _signed_in(user) -> Client:
    browser = Client()
    browser.force_login(user, backend=BACKEND)
    return browser


def _signed_in_as(browser: Client):
    return browser.get(EMPTY_PAGE).wsgi_request.user


def _cookie_session(browser: Client, data: dict) -> str:
    """A session holding `data` as the browser's own."""
    store = SessionStore()
    store.update(data)
    store.create()
    browser.cookies["sessionid"] = store.session_key
    return store.session_key


def test_signed_in_page_reads_the_session_and_person_in_one_query(user):
    browser = _signed_in(user)

    with CaptureQueriesContext(connection) as queries:
        response = browser.get(EMPTY_PAGE)

    assert response.wsgi_request.user == user
    assert len(queries) == 1  # no second query, and no write
    assert queries[0]["sql"].startswith("SELECT")
    assert '"accounts_user"' in queries[0]["sql"]


def test_session_row_names_the_person_signed_in(user):
    browser = _signed_in(user)

    session = Session.objects.get(session_key=browser.cookies["sessionid"].value)

    assert session.user == user


def test_signing_out_deletes_the_session_row(user):
    browser = _signed_in(user)
    key = browser.cookies["sessionid"].value

    browser.post("/accounts/signout/")

    assert Session.objects.filter(session_key=key).exists() is False
    assert _signed_in_as(browser).is_authenticated is False


def test_session_expires(user):
    browser = _signed_in(user)

    with time_machine.travel(timezone.now() + timedelta(days=31)):
        response = browser.get("/accounts/profile/")

    assert response.url == "/accounts/signin/?next=/accounts/profile/"


def test_signing_out_everywhere_ends_every_session_of_the_person(user, charlie):
    laptop, phone, other = _signed_in(user), _signed_in(user), _signed_in(charlie)

    response = phone.post("/accounts/signout/everywhere/", follow=True)

    assert "You are signed out on every device." in response.content.decode()
    assert _signed_in_as(laptop).is_authenticated is False
    assert _signed_in_as(phone).is_authenticated is False
    assert _signed_in_as(other) == charlie
    assert Session.objects.filter(user=user).exists() is False


def test_profile_names_the_button_that_signs_out_everywhere(user):
    html = _signed_in(user).get("/accounts/profile/").content.decode()

    assert '<button type="submit">Sign out on every device</button>' in html


def test_deleting_the_account_ends_its_sessions_on_every_device(user):
    laptop, phone = _signed_in(user), _signed_in(user)

    phone.post("/accounts/profile/delete/", {"confirm": "on"})

    assert _signed_in_as(laptop).is_authenticated is False
    assert Session.objects.filter(user=user).exists() is False


def test_a_session_with_a_wrong_hash_signs_nobody_in(user):
    browser = Client()
    key = _cookie_session(
        browser,
        {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: BACKEND,
            HASH_SESSION_KEY: "x",
        },
    )

    assert _signed_in_as(browser).is_authenticated is False
    assert Session.objects.filter(session_key=key).exists() is False  # flushed


def test_a_session_of_an_unlisted_backend_signs_nobody_in(user):
    browser = Client()
    _cookie_session(
        browser,
        {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.RemoteUserBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        },
    )

    assert _signed_in_as(browser).is_authenticated is False


def test_a_deactivated_person_is_signed_out(user):
    browser = _signed_in(user)
    user.is_active = False
    user.save()

    assert _signed_in_as(browser).is_authenticated is False


def test_a_session_is_read_by_another_process_s_store(user):
    browser = _signed_in(user)

    # A fresh store, as another worker process has: nothing shared but the row.
    data = SessionStore(browser.cookies["sessionid"].value).load()

    assert data[SESSION_KEY] == str(user.pk)


def test_the_migration_keeps_people_signed_in(db):
    person = UserFactory()
    old = DjangoStore()
    old.update(
        {
            SESSION_KEY: str(person.pk),
            BACKEND_SESSION_KEY: BACKEND,
            HASH_SESSION_KEY: person.get_session_auth_hash(),
        }
    )
    old.create()
    migration = importlib.import_module("accounts.migrations.0004_session")

    migration.copy_sessions(apps, None)

    browser = Client()
    browser.cookies["sessionid"] = old.session_key
    assert _signed_in_as(browser) == person
    assert Session.objects.get(session_key=old.session_key).user == person
