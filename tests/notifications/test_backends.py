from django.core import mail
from django.test import override_settings


def test_eml_backend_writes_one_file_per_message(tmp_path):
    mailers = {
        "default": {
            "BACKEND": "notifications.backends.EmlFileBackend",
            "OPTIONS": {"file_path": str(tmp_path)},
        }
    }
    with override_settings(MAILERS=mailers):
        message = mail.EmailMessage("Hello", "Body", "a@example.org", ["b@example.org"])
        message.send()

    [written] = list(tmp_path.glob("*.eml"))
    text = written.read_text()
    assert "Subject: Hello" in text
    assert "To: b@example.org" in text
