"""Server errors reach the admins by email, through the outbox like every email.

Tests swap every configured mailer for Django's locmem one, so each test puts
back the "admins" mailer exactly as config/settings.py defines it; the logging
that calls it is the one settings.py configured when the tests started.
"""

from unittest import mock

import pytest
from django.core import mail
from django.db import OperationalError

import config.settings as configured
from notifications.models import Delivery, Message
from tests.notifications.helpers import run_sender

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.urls("tests.notifications.urls_failing"),
]


@pytest.fixture
def admins(settings, client):
    settings.ADMINS = ["Ann Ops <Ann@example.org>", "bob@example.org"]
    settings.SERVER_EMAIL = "Errors <errors@meetings.test>"
    settings.MAILERS = {**settings.MAILERS, "admins": configured.MAILERS["admins"]}
    client.raise_request_exception = False
    return settings


def test_unhandled_view_error_queues_an_email_to_the_admins(client, admins):
    response = client.get("/fail/")

    message = Message.objects.get()
    assert response.status_code == 500
    assert message.subject == (
        f"[{admins.SITE_NAME}] ERROR (EXTERNAL IP): Internal Server Error: /fail/"
    )
    assert list(message.deliveries.values_list("email", "status")) == [
        ("ann@example.org", "pending"),
        ("bob@example.org", "pending"),
    ]
    assert (message.kind, message.transactional) == ("error_report", True)
    assert "RuntimeError at /fail/\nthe view broke\n" in message.text


def test_error_report_is_sent_from_server_email_through_sendgrid(
    client, admins, sendgrid
):
    client.get("/fail/")

    run_sender()

    payload = sendgrid.requests[0]
    assert payload["from"] == {"email": "errors@meetings.test", "name": "Errors"}
    assert [p["to"][0]["email"] for p in payload["personalizations"]] == [
        "ann@example.org",
        "bob@example.org",
    ]
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_error_report_is_tried_at_once_after_the_failed_request(
    client, admins, committing
):
    admins.SENDGRID_API_KEY = ""

    with committing():
        client.get("/fail/")

    assert [(m.from_email, m.to, m.subject) for m in mail.outbox] == [
        (
            "Errors <errors@meetings.test>",
            ["ann@example.org"],
            f"[{admins.SITE_NAME}] ERROR (EXTERNAL IP): Internal Server Error: /fail/",
        ),
        (
            "Errors <errors@meetings.test>",
            ["bob@example.org"],
            f"[{admins.SITE_NAME}] ERROR (EXTERNAL IP): Internal Server Error: /fail/",
        ),
    ]


def test_no_error_report_with_debug_on(client, admins):
    admins.DEBUG = True

    client.get("/fail/")

    assert Message.objects.exists() is False


def test_a_database_that_cannot_take_the_report_still_serves_the_500_page(
    client, admins, caplog
):
    # The database is a process boundary: simulate it refusing connections.
    with mock.patch(
        "django.db.backends.base.base.BaseDatabaseWrapper.cursor",
        side_effect=OperationalError("connection refused"),
    ):
        response = client.get("/fail/")

    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in response.content.decode()
    assert "Could not queue '[" in caplog.text
    assert Message.objects.exists() is False
