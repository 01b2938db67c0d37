from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from accounts.models import LoginToken, User
from tests.mail import links_in, only_message_to, path_of


def _request_link(client, committing, email, **extra):
    with committing():
        return client.post("/accounts/signin/", {"email": email, **extra})


def _link_path(email):
    return path_of(links_in(only_message_to(email))[0])


def test_signin_round_trip(client, user, committing):
    response = _request_link(client, committing, "ann@example.org")
    assert response.status_code == 302
    assert response.url == "/accounts/check-inbox/"

    path = _link_path("ann@example.org")
    page = client.get(path)
    assert "Sign in as a•••@example.org" in page.content.decode()
    response = client.post(path)

    assert response.status_code == 302
    assert response.url == "/"
    assert client.get("/accounts/profile/").context["user"] == user


def test_get_on_link_signs_nobody_in_and_keeps_token(client, user, committing):
    _request_link(client, committing, "ann@example.org")
    path = _link_path("ann@example.org")

    client.get(path)
    client.get(path)

    assert "_auth_user_id" not in client.session
    assert LoginToken.objects.get().used_at is None


def test_token_works_once(client, user, committing):
    _request_link(client, committing, "ann@example.org")
    path = _link_path("ann@example.org")
    client.post(path)
    client.post("/accounts/signout/")

    response = client.post(path)

    assert response.status_code == 400
    assert "This link no longer works" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_expired_token_is_refused(client, user, committing):
    _request_link(client, committing, "ann@example.org")
    path = _link_path("ann@example.org")

    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        response = client.post(path)

    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_tampered_token_is_refused(client, user, committing):
    _request_link(client, committing, "ann@example.org")
    path = _link_path("ann@example.org")
    tampered = path[:-2] + ("AA" if not path.endswith("AA/") else "BB") + "/"

    response = client.post(tampered)

    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_using_one_link_invalidates_the_others(client, user, committing):
    _request_link(client, committing, "ann@example.org")
    _request_link(client, committing, "ann@example.org")
    first, second = [path_of(links_in(m)[0]) for m in mail.outbox]

    client.post(second)
    client.post("/accounts/signout/")

    assert client.post(first).status_code == 400


def test_token_only_signs_in_its_own_person(client, user, charlie, committing):
    _request_link(client, committing, "charlie@example.org")

    client.post(_link_path("charlie@example.org"))

    assert int(client.session["_auth_user_id"]) == charlie.pk


def test_only_a_hash_of_the_token_is_stored(client, user, committing):
    _request_link(client, committing, "ann@example.org")
    raw = _link_path("ann@example.org").rstrip("/").rsplit("/", 1)[-1]

    stored = LoginToken.objects.get()
    assert raw not in stored.token_hash
    assert len(raw) >= 43  # 256 bits in URL-safe base64


def test_signin_is_case_insensitive(client, user, committing):
    _request_link(client, committing, "ANN@Example.ORG")

    assert [m.to for m in mail.outbox] == [["ann@example.org"]]
    assert "sign-in link" in mail.outbox[0].subject


def test_unknown_address_gets_no_account_email_and_same_page(client, user, committing):
    known = _request_link(client, committing, "ann@example.org")
    unknown = _request_link(client, committing, "nobody@example.org")

    assert (known.status_code, known.url) == (unknown.status_code, unknown.url)
    message = only_message_to("nobody@example.org")
    assert message.subject == "No meetings account for this address yet"
    assert "/accounts/signup/" in message.body
    assert User.objects.filter(email="nobody@example.org").exists() is False


def test_next_is_honoured_for_relative_paths(client, user, committing):
    _request_link(client, committing, "ann@example.org", next="/accounts/profile/")

    response = client.post(_link_path("ann@example.org"))

    assert response.url == "/accounts/profile/"


@pytest.mark.parametrize(
    "evil", ["https://evil.example/", "//evil.example/", "/\\evil.example/"]
)
def test_next_to_another_site_is_ignored(client, user, committing, evil):
    _request_link(client, committing, "ann@example.org", next=evil)

    response = client.post(_link_path("ann@example.org"))

    assert response.url == "/"


def test_signout_needs_post(client, user):
    client.force_login(user)

    assert client.get("/accounts/signout/").status_code == 405
    assert "_auth_user_id" in client.session


def test_login_rotates_the_session(client, user, committing):
    client.get("/accounts/signin/")
    _request_link(client, committing, "ann@example.org")
    before = client.session.session_key

    client.post(_link_path("ann@example.org"))

    assert client.session.session_key != before


def test_signin_refuses_an_address_sendgrid_would_refuse(client, db, committing):
    response = _request_link(client, committing, '"a@b"@example.org')

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "email": ["Enter an address email can be delivered to, like ada@example.org."]
    }
    assert mail.outbox == []
    assert LoginToken.objects.exists() is False


def test_check_inbox_title_is_plain_text_in_the_demo(client, db, settings):
    settings.DEBUG = True

    html = client.get("/accounts/check-inbox/").content.decode()

    assert "<title>Check your inbox · meetings</title>" in html
    assert html.count("Open the demo mailbox") == 1
