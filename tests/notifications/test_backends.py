"""The mail backends configured through Django 6.1's MAILERS."""

import email
import email.policy

from django.core.mail import EmailMessage, mailers

from notifications.backends import EmlFileBackend, SendGridBackend


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
        "sendgrid": {
            "BACKEND": "notifications.backends.SendGridBackend",
            "OPTIONS": {"api_key": "SG.x", "timeout": 3.0},
        },
    }

    eml, sendgrid = mailers.default, mailers["sendgrid"]

    assert isinstance(eml, EmlFileBackend) and eml.fail_silently is True
    assert isinstance(sendgrid, SendGridBackend) and sendgrid.fail_silently is False
