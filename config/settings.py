"""Settings for meetings, read once from the environment (django-environ).

Every variable is documented in `.env.example` and in the README's configuration
table. Defaults are safe for production: DEBUG is off, a SECRET_KEY is required and
secure cookies, HSTS and the HTTPS redirect are on unless DEBUG is on.
"""

import secrets
from email.utils import formataddr, getaddresses
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, []),
    CSRF_TRUSTED_ORIGINS=(list, []),
    CONN_MAX_AGE=(int, 60),
    SENDGRID_TIMEOUT=(float, 10.0),
    LOGIN_TOKEN_MINUTES=(int, 15),
    NUM_PROXIES=(int, 0),
    POLL_LINK_DAYS=(int, 14),
    API_RATE_LIMIT=(int, 120),
    POLL_NEW_ADDRESSES_PER_DAY=(int, 100),
    RETENTION_DAYS=(int, 90),
    MAIL_RECONCILE_MINUTES=(int, 10),
    HEARTBEAT_SECONDS=(float, 10.0),
)
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env("DEBUG")


def _secret_key() -> str:
    """The configured key; with DEBUG on, a random key kept under var/ instead."""
    key = env("SECRET_KEY", default="")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (see .env.example)."
        )
    # The demo keeps a random key on disk, so sessions survive a restart without
    # anyone ever running with a key written in the source.
    VAR_DIR.mkdir(exist_ok=True)
    key_file = VAR_DIR / "dev-secret-key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env("ALLOWED_HOSTS") or (
    ["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS")

SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SITE_NAME = env("SITE_NAME", default="meetings")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "core",
    "accounts",
    "groups",
    "events",
    "notifications",
    "mailings",
    "comments",
    "django_tasks_db",
    "unconference",
    "timepolls",
    "roulette",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.RejectNulMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.middleware.UserTimezoneMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.site",
            ],
        },
    },
]

# Database: SQLite under var/ for the zero-configuration demo, PostgreSQL otherwise.
_default_db = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
if not env("DATABASE_URL", default=""):
    VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=_default_db)}
DATABASES["default"]["CONN_MAX_AGE"] = env("CONN_MAX_AGE")
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo runs three writing processes on one file (runserver, the mail
    # sender, the task worker). WAL lets readers and one writer work at once,
    # IMMEDIATE takes the write lock at BEGIN (so a transaction never has to
    # upgrade a read lock and fail with "database is locked"), and the busy
    # timeout makes a writer wait for the lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Rendered fragments (event cards, calendar feeds), per process. Their keys hold
# everything they show, so no entry is ever stale and processes need not share
# them: PostgreSQL stays the only state.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 5000},
    }
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "accounts.backends.EmailTokenBackend",
    # Staff created with `createsuperuser --password` may also use a password
    # in the admin; nobody else has a usable one.
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:signin"
LOGIN_REDIRECT_URL = "events:home"
LOGIN_TOKEN_MINUTES = env("LOGIN_TOKEN_MINUTES")
# Sign-in and sign-up link emails allowed per hour, per address and per client
# address. The demo (DEBUG) lets one person try every persona in turn; the
# production limits are fixed.
LINK_REQUESTS_PER_ADDRESS = 100 if DEBUG else 5
LINK_REQUESTS_PER_CLIENT = 1000 if DEBUG else 30
# New addresses a group's owners may invite per day (groups/invite/): one
# account running a group cannot make the site mail a whole address list.
GROUP_INVITES_PER_DAY = 200
# Address-change confirmation links one account may have sent a day (to any
# addresses; each address also gets at most 5 an hour).
EMAIL_CHANGES_PER_ACCOUNT = 5

# Find a time: days a party's private link works when the poll has no deadline,
# and API requests allowed per token (or client address) per minute.
POLL_LINK_DAYS = env("POLL_LINK_DAYS")
API_RATE_LIMIT = env("API_RATE_LIMIT")
# Addresses without an account, not invited by them before, that one organiser
# may add to polls in any 24 hours.
POLL_NEW_ADDRESSES_PER_DAY = env("POLL_NEW_ADDRESSES_PER_DAY")

# Days `manage.py housekeeping` keeps finished task results and the bodies of
# delivered emails (the message and delivery rows themselves are kept).
RETENTION_DAYS = env("RETENTION_DAYS")

# Seconds between two heartbeat rows of the sender and the worker
# (core/heartbeat.py); `manage.py status` calls one older than 5 minutes a
# problem, so it must stay well below that.
HEARTBEAT_SECONDS = env("HEARTBEAT_SECONDS")
if not 0.1 <= HEARTBEAT_SECONDS <= 60:
    raise ImproperlyConfigured(
        f"HEARTBEAT_SECONDS must be between 0.1 and 60 (it is {HEARTBEAT_SECONDS})."
    )

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where collectstatic writes and WhiteNoise reads (meetings-migrate collects).
STATIC_ROOT = BASE_DIR / env.str("STATIC_ROOT", default="staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Uploaded images (event covers, group logos; core/images.py). On one machine
# they live under MEDIA_ROOT, which nginx serves at MEDIA_URL (docs/deploy.md;
# `make run` lets Django serve them). With MEDIA_BUCKET set they go to an
# S3-compatible bucket through django-storages, which is then needed
# (pip install django-storages[s3]); MEDIA_URL is the bucket's public address.
MEDIA_ROOT = BASE_DIR / env.str("MEDIA_ROOT", default="var/media")
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
# nginx reads the files as another user; umask must not hide them.
FILE_UPLOAD_PERMISSIONS = 0o644
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o755
MEDIA_BUCKET = env.str("MEDIA_BUCKET", default="")


def _media_origin(url: str) -> str:
    """scheme://host[:port] of an absolute MEDIA_URL; "" for a path on this site."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


if MEDIA_BUCKET:
    _public = urlsplit(MEDIA_URL)
    if not _media_origin(MEDIA_URL):
        raise ImproperlyConfigured(
            "MEDIA_URL must be the bucket's public https:// address when "
            "MEDIA_BUCKET is set (see docs/deploy.md)."
        )
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_BUCKET,
            "endpoint_url": env.str("MEDIA_ENDPOINT_URL", default="") or None,
            "region_name": env.str("MEDIA_REGION", default="") or None,
            "access_key": env.str("MEDIA_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("MEDIA_SECRET_ACCESS_KEY", default="") or None,
            # Links are MEDIA_URL + name, built without asking the bucket:
            # files are public (the bucket's policy), never signed.
            "custom_domain": f"{_public.netloc}{_public.path}".rstrip("/"),
            "url_protocol": f"{_public.scheme}:",
            "querystring_auth": False,
            "file_overwrite": False,
        },
    }

# Email. Without an API key every message is written as an .eml file under
# var/mail/ (and logged), so the demo shows each email; with one, SendGrid sends.
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="meetings <noreply@localhost>")
# Error reports (500s, via mail_admins) go to ADMINS: comma-separated
# "Name <addr>" or plain addresses. Django wants a list of address strings.
ADMINS = [
    formataddr((name, addr))
    for name, addr in getaddresses([env("ADMINS", default="")])
    if addr
]
SERVER_EMAIL = env("SERVER_EMAIL", default="") or DEFAULT_FROM_EMAIL
REPLY_TO_EMAIL = env("REPLY_TO_EMAIL", default="")
SENDGRID_API_KEY = env("SENDGRID_API_KEY", default="")
SENDGRID_API_HOST = env("SENDGRID_API_HOST", default="https://api.sendgrid.com")
SENDGRID_TIMEOUT = env("SENDGRID_TIMEOUT")
SENDGRID_WEBHOOK_PUBLIC_KEY = env("SENDGRID_WEBHOOK_PUBLIC_KEY", default="")
# With the webhook, a batch whose outcome is unknown (a timeout, a 5xx, a sender
# killed mid-request) waits this long for SendGrid's events before its
# unsettled rows are retried (notifications/sender.py).
MAIL_RECONCILE_MINUTES = env("MAIL_RECONCILE_MINUTES")
MAIL_FILE_DIR = env("MAIL_FILE_DIR", default=str(VAR_DIR / "mail"))
# Calendar replies (events/replies.py): with a domain whose MX is SendGrid's
# Inbound Parse, each person's invitations name a reply address there as
# ORGANIZER and ask for replies; the webhook needs INBOUND_PARSE_SECRET as the
# password of its basic auth. Without a domain invitations ask for none.
INBOUND_EMAIL_DOMAIN = env("INBOUND_EMAIL_DOMAIN", default="").strip().lower()
INBOUND_PARSE_SECRET = env("INBOUND_PARSE_SECRET", default="")
if SENDGRID_API_KEY:
    # Anything sent with Django's mail API goes through the outbox, so the
    # sender delivers it with the one SendGrid client (notifications.sendgrid_api).
    MAILERS = {
        "default": {
            "BACKEND": "notifications.backends.OutboxBackend",
            "OPTIONS": {"kind": "django"},
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "notifications.backends.EmlFileBackend",
            "OPTIONS": {"file_path": MAIL_FILE_DIR},
        }
    }
# Django's error reports (mail_admins, see LOGGING) go into the outbox like
# every other email, so they survive a SendGrid outage and the sender retries
# them; the default mailer would send them from inside the failing request.
MAILERS["admins"] = {
    "BACKEND": "notifications.backends.OutboxBackend",
    "OPTIONS": {"kind": "error_report", "fail_silently": True},
}
EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "

# Background tasks (the unconference scheduler) are rows in the database that
# `manage.py db_worker` runs: meetings-tasks.service in production, a worker
# beside the server in `make run`. Tests use Django's ImmediateBackend.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# Rate limits key on the client address; behind nginx set NUM_PROXIES=1 so the
# address nginx saw is used instead of one a client could write itself.
NUM_PROXIES = env("NUM_PROXIES")

# Security. Behind nginx, which sets X-Forwarded-Proto; see docs/deploy.md.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True
)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Preloading HSTS is a commitment an operator makes for the whole domain, so it is
# opt-in (SECURE_HSTS_PRELOAD=true) and its reminder is not a deploy warning.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    # Images from this site, and from the bucket when MEDIA_URL is one.
    "img-src": [CSP.SELF, "data:", *filter(None, [_media_origin(MEDIA_URL)])],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

# Optional error tracking: with SENTRY_DSN set, unhandled errors also go to
# Sentry (without personal data: no cookies, user ids or addresses). Without
# it, sentry_sdk is not even imported.
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        environment=env("SENTRY_ENVIRONMENT", default="") or None,
        release=env("SENTRY_RELEASE", default="") or None,
    )

# Errors Django logs (an unhandled exception in a view above all) are emailed
# to ADMINS through the "admins" mailer, that is the outbox, when DEBUG is off;
# everything goes to the console (the journal under systemd).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false"],
            "using": "admins",
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        "django.db.backends": {"level": "INFO"},
    },
}
