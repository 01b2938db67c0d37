"""Links that sign someone in never sit readable in the database or the admin.

The outbox keeps every email until it is sent; a sign-in, email-change or
private poll link stored in the clear there would let anyone who reads the
database, a backup or the admin sign in as that person. The stored bodies hold
a placeholder; the link itself is sealed (encrypted) until it is sent and
forgotten afterwards.
"""

import re

import pytest
from django.core import mail
from django.db import connection

from accounts import services as accounts_services
from notifications.models import Delivery, Message
from tests.factories import PartyFactory, PollFactory, UserFactory
from tests.mail import links_in
from tests.notifications.helpers import run_sender
from timepolls import services as poll_services
from timepolls.audit import Actor

pytestmark = pytest.mark.django_db


def database_text() -> str:
    """Every row of every table as text: what a dump of the database would show."""
    rows = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT row_to_json(t)::text FROM {table} t")
            rows += [row[0] for row in cursor.fetchall()]
    return "\n".join(rows)


def signin(user):
    accounts_services.signin_request(email=user.email)


def signup(user):
    accounts_services.signup_request(name="Nora New", email="nora@example.org")


def email_change(user):
    accounts_services.email_change_request(user=user, new_email="ann@new.example")


def poll_link(user):
    party = PartyFactory(poll=PollFactory(organiser=user), email="guest@example.net")
    poll_services.party_link_reissue(party=party, actor=Actor(user=user))


@pytest.mark.parametrize("send", [signin, signup, email_change, poll_link])
def test_secret_links_are_unreadable_at_rest_and_forgotten_once_sent(
    send, user, client
):
    send(user)
    before = database_text()
    message = Message.objects.get()
    admin = UserFactory(email="root@example.org", is_staff=True, is_superuser=True)
    client.force_login(admin)
    admin_page = client.get(f"/admin/notifications/message/{message.pk}/change/")

    run_sender()

    (email,) = mail.outbox
    link = next(u for u in links_in(email) if re.search(r"/(link|email|p)/", u))
    secret = link.rstrip("/").rsplit("/", 1)[1]
    assert len(secret) >= 20
    assert secret in email.body and secret in email.alternatives[0][0]
    assert secret not in before
    assert admin_page.status_code == 200
    assert secret not in admin_page.content.decode()
    assert secret not in database_text()
    assert Message.objects.get().secret == ""
    assert Delivery.objects.get().status == Delivery.Status.SENT


def test_a_secret_that_cannot_be_unsealed_fails_its_delivery(user, settings):
    signin(user)
    settings.SECRET_KEY = "another-key-than-the-one-that-sealed-it"

    run_sender()

    assert mail.outbox == []
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.FAILED
    assert "SECRET_KEY" in delivery.last_error


def test_sendgrid_gets_the_link_and_the_database_keeps_none(user, sendgrid):
    signin(user)
    before = database_text()

    run_sender()

    (payload,) = sendgrid.requests
    text = " ".join(c["value"] for c in payload["content"])
    (secret,) = set(re.findall(r"/accounts/link/([^/\s\"]+)/", text))
    assert "-private_link-" not in text
    assert secret not in before and secret not in database_text()
    assert Message.objects.get().secret == ""


def test_a_link_queued_for_a_suppressed_address_is_not_kept(user):
    from notifications import email
    from notifications.models import Suppression

    Suppression.objects.create(email="guest@example.net", reason="bounce")
    poll = PollFactory(organiser=user)

    # As if the poll page had not seen the suppression yet.
    email.send_timepoll_link(
        email="guest@example.net", name="Guest", poll=poll,
        url="https://meetings.test/p/a-secret-token-of-some-length/",
        expires="Friday", times=[],
    )  # fmt: skip

    assert Delivery.objects.get().status == Delivery.Status.SUPPRESSED
    assert Message.objects.get().secret == ""


def test_a_link_suppressed_after_queueing_is_forgotten_by_the_sender(user):
    from notifications.models import Suppression

    poll_link(user)
    Suppression.objects.create(email="guest@example.net", reason="unsubscribe")

    run_sender()

    assert mail.outbox == []
    assert Delivery.objects.get().status == Delivery.Status.SUPPRESSED
    assert Message.objects.get().secret == ""
