import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _import_settings(**env):
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    return subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
    )


def test_settings_refuse_to_start_without_secret_key_when_debug_is_off():
    result = _import_settings(DEBUG="false")

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_settings_start_with_a_secret_key():
    result = _import_settings(DEBUG="false", SECRET_KEY="x" * 50)

    assert result.returncode == 0, result.stderr


def test_debug_defaults_to_off(settings):
    # The test run sets no DEBUG, so this is the default.
    assert settings.DEBUG is False


def _settings_values(names, **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {"SECRET_KEY", "DEBUG", "ADMINS", "SERVER_EMAIL", "HEARTBEAT_SECONDS"}
    }
    code = "import json, config.settings as s; print(json.dumps([getattr(s, n) for n in %r]))"
    result = subprocess.run(
        [sys.executable, "-c", code % (names,)],
        cwd=ROOT,
        env={**clean, "SECRET_KEY": "x" * 50, **env},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_admins_and_server_email_come_from_the_environment():
    admins, server_email = _settings_values(
        ["ADMINS", "SERVER_EMAIL"],
        ADMINS='Ann Ops <ann@example.org>, bob@example.org, "Doe, Jo" <jo@example.org>',
        SERVER_EMAIL="errors@example.org",
    )

    assert admins == [
        "Ann Ops <ann@example.org>",
        "bob@example.org",
        '"Doe, Jo" <jo@example.org>',
    ]
    assert server_email == "errors@example.org"


def test_admins_default_to_nobody_and_server_email_to_the_sender():
    admins, server_email, sender = _settings_values(
        ["ADMINS", "SERVER_EMAIL", "DEFAULT_FROM_EMAIL"], ADMINS="", SERVER_EMAIL=""
    )

    assert admins == []
    assert server_email == sender


def test_error_reports_go_to_the_outbox_in_production():
    mailers, prefix = _settings_values(
        ["MAILERS", "EMAIL_SUBJECT_PREFIX"],
        SENDGRID_API_KEY="SG.production",
        SITE_NAME="Rust Berlin",
    )

    assert mailers["default"]["BACKEND"] == "notifications.backends.OutboxBackend"
    assert mailers["admins"] == {
        "BACKEND": "notifications.backends.OutboxBackend",
        "OPTIONS": {"kind": "error_report", "fail_silently": True},
    }
    assert prefix == "[Rust Berlin] "


def test_heartbeat_interval_defaults_to_10_s_and_comes_from_the_environment():
    (default,) = _settings_values(["HEARTBEAT_SECONDS"])
    (chosen,) = _settings_values(["HEARTBEAT_SECONDS"], HEARTBEAT_SECONDS="0.5")

    assert (default, chosen) == (10.0, 0.5)


@pytest.mark.parametrize("value", ["0", "61"])
def test_settings_refuse_a_heartbeat_interval_out_of_range(value):
    result = _import_settings(
        DEBUG="false", SECRET_KEY="x" * 50, HEARTBEAT_SECONDS=value
    )

    assert result.returncode != 0
    assert (
        f"HEARTBEAT_SECONDS must be between 0.1 and 60 (it is {float(value)})."
        in result.stderr
    )


SENTRY_PROBE = """
import os, sys, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
imported = "sentry_sdk" in sys.modules
if imported:
    import sentry_sdk
    client = sentry_sdk.get_client()
    print(imported, client.is_active(), client.options["send_default_pii"],
          client.options["environment"], client.options["release"])
else:
    print(imported)
"""


def _sentry_probe(**env):
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("SENTRY_", "DEBUG"))
    }
    result = subprocess.run(
        [sys.executable, "-c", SENTRY_PROBE],
        cwd=ROOT,
        env={**clean, "SECRET_KEY": "x" * 50, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_sentry_is_initialised_when_sentry_dsn_is_set():
    # .invalid never resolves, so nothing could leave even if an event did.
    output = _sentry_probe(
        SENTRY_DSN="https://public@sentry.invalid/1",
        SENTRY_ENVIRONMENT="staging",
        SENTRY_RELEASE="meetings@1.2.3",
    )

    assert output == "True True False staging meetings@1.2.3"


def test_sentry_is_not_even_imported_without_sentry_dsn():
    assert _sentry_probe() == "False"


def test_uploaded_images_stay_on_this_machine_by_default():
    storages, media_url, csp = _settings_values(["STORAGES", "MEDIA_URL", "SECURE_CSP"])

    assert storages["default"] == {
        "BACKEND": "django.core.files.storage.FileSystemStorage"
    }
    assert media_url == "/media/"
    assert csp["img-src"] == ["'self'", "data:"]


def test_a_bucket_stores_uploaded_images_and_the_csp_allows_its_origin():
    storages, csp = _settings_values(
        ["STORAGES", "SECURE_CSP"],
        MEDIA_BUCKET="meetings-media",
        MEDIA_URL="https://media.example.org/meetings/",
        MEDIA_ENDPOINT_URL="https://s3.eu-central-1.example.net",
        MEDIA_ACCESS_KEY_ID="key-id",
        MEDIA_SECRET_ACCESS_KEY="secret",
    )

    assert storages["default"] == {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "meetings-media",
            "endpoint_url": "https://s3.eu-central-1.example.net",
            "region_name": None,
            "access_key": "key-id",
            "secret_key": "secret",
            "custom_domain": "media.example.org/meetings",
            "url_protocol": "https:",
            "querystring_auth": False,
            "file_overwrite": False,
        },
    }
    assert csp["img-src"] == ["'self'", "data:", "https://media.example.org"]


def test_a_bucket_needs_its_public_address_in_media_url():
    result = _import_settings(
        DEBUG="false", SECRET_KEY="x" * 50, MEDIA_BUCKET="meetings-media"
    )

    assert result.returncode != 0
    assert "MEDIA_URL must be the bucket's public https:// address" in result.stderr
