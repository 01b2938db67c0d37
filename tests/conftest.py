import pytest


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """Settings every test runs with: plain HTTP, unhashed static names, fast hashes."""
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SITE_URL = "https://meetings.test"
    settings.MAIL_FILE_DIR = str(tmp_path / "mail")
