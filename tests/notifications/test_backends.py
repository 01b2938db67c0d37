"""The mail backends configured through Django 6.1's MAILERS."""

import email
import email.policy

import pytest
from django.core.mail import EmailMessage, mailers

from notifications.backends import EmlFileBackend, OutboxBackend
from notifications.models import Delivery


def test_eml_backend_writes_one_file_per_message(settings, tmp_path):
    settings.MAILERS = {
        "default": {
            "BACKEND": "notifications.backends.EmlFileBackend",
            "OPTIONS": {"file_path": str(tmp_path / "mail")},
        }
    }
    message = EmailMessage("Hi", "Body", "meetings@example.org", ["ann@example.org"])

    sent = mailers.default.send_messages([message])

    (path,) = (tmp_path / "mail").glob("*.eml")
    written = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert sent == 1
    assert (written["To"], written["Subject"]) == ("ann@example.org", "Hi")


def test_backends_accept_fail_silently_from_mailers_options(settings, tmp_path):
    settings.MAILERS = {
        "default": {
            "BACKEND": "notifications.backends.EmlFileBackend",
            "OPTIONS": {"file_path": str(tmp_path), "fail_silently": True},
        },
        "outbox": {
            "BACKEND": "notifications.backends.OutboxBackend",
            "OPTIONS": {"kind": "django"},
        },
    }

    eml, outbox = mailers.default, mailers["outbox"]

    assert isinstance(eml, EmlFileBackend) and eml.fail_silently is True
    assert isinstance(outbox, OutboxBackend) and outbox.fail_silently is False


@pytest.mark.django_db
def test_django_mail_goes_through_the_outbox_to_sendgrid(settings, sendgrid):
    from django.core.mail import send_mail

    from tests.notifications.helpers import run_sender

    settings.MAILERS = {
        "default": {
            "BACKEND": "notifications.backends.OutboxBackend",
            "OPTIONS": {"kind": "django"},
        }
    }

    send_mail("Hello", "Plain body", None, ["ann@example.org"])
    run_sender()

    assert [(m.email, m.subject) for m in sendgrid.accepted_messages()] == [
        ("ann@example.org", "Hello")
    ]
    assert Delivery.objects.get().status == "sent"
