"""`check --deploy` warns about email settings that would make every send fail."""

from notifications.checks import check_mail_settings


def _ids():
    return [message.id for message in check_mail_settings()]


def test_mail_checks_pass_with_real_sender_and_webhook_key(settings):
    settings.SENDGRID_API_KEY = "SG.x"
    settings.DEFAULT_FROM_EMAIL = "meetings <noreply@meetings.example.org>"
    settings.SENDGRID_WEBHOOK_PUBLIC_KEY = "MFkw"

    assert _ids() == []


def test_mail_checks_warn_about_localhost_sender_and_missing_key(settings):
    settings.SENDGRID_API_KEY = "SG.x"
    settings.DEFAULT_FROM_EMAIL = "meetings <noreply@localhost>"
    settings.SENDGRID_WEBHOOK_PUBLIC_KEY = ""

    assert _ids() == ["notifications.W001", "notifications.W002"]


def test_mail_checks_skip_the_demo_without_api_key(settings):
    settings.SENDGRID_API_KEY = ""
    settings.DEFAULT_FROM_EMAIL = "meetings <noreply@localhost>"

    assert _ids() == []
