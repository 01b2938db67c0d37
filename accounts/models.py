import functools
import hashlib
import secrets
import zoneinfo
from datetime import timedelta
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import (
    AbstractBaseUser,
    BaseUserManager,
    PermissionsMixin,
)
from django.contrib.sessions.base_session import AbstractBaseSession, BaseSessionManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _


def normalize_email(email: str | None) -> str:
    """The one way an address is stored and compared: trimmed and lowercased."""
    return (email or "").strip().lower()


@functools.cache
def known_timezones() -> frozenset[str]:
    """The IANA zone names this machine knows, read once per process.

    zoneinfo.available_timezones() walks and opens the whole tz database on
    every call (about 12 ms); forms check a zone, and list them all, on every
    submission. A tzdata upgrade is picked up on the restart that follows it.
    """
    return frozenset(zoneinfo.available_timezones())


def language_choices() -> list[tuple[str, str]]:
    """The languages pages and emails come in (settings.LANGUAGES)."""
    return list(settings.LANGUAGES)


def validate_timezone(value: str) -> None:
    if value not in known_timezones():
        raise ValidationError(
            "“%(value)s” is not a known time zone.", params={"value": value}
        )


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_email(self, email: str) -> "User":
        return self.get(email=normalize_email(email))

    def create_user(self, email: str, name: str = "", **extra: Any) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=normalize_email(email), name=name.strip(), **extra)
        # Nobody signs in with a password here; an unusable one keeps
        # password-based backends from ever accepting this account.
        user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(
        self, email: str, name: str = "", password: str | None = None, **extra: Any
    ) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        user = self.create_user(email, name, **extra)
        if password:
            user.set_password(password)
            user.save(update_fields=["password"])
        return user


class User(AbstractBaseUser, PermissionsMixin):
    """A person, identified by an email address (no passwords: see accounts.tokens)."""

    email = models.EmailField("email address", max_length=254, unique=True)
    name = models.CharField(max_length=100)
    timezone = models.CharField(
        "time zone", max_length=64, default="UTC", validators=[validate_timezone]
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField("staff status", default=False)
    date_joined = models.DateTimeField(default=dj_timezone.now)
    email_verified_at = models.DateTimeField(null=True, blank=True)
    website = models.URLField(blank=True)
    github = models.URLField("GitHub", blank=True)
    linkedin = models.URLField("LinkedIn", blank=True)
    # Pages and emails in this language; blank until the person picks one
    # (the switcher or the profile), and pages then follow the browser.
    language = models.CharField(
        _("language"), max_length=10, blank=True, choices=language_choices
    )

    objects = UserManager()

    # Set by accounts.backends on the user it signs in with a link, so the
    # link view knows which link it was; absent on every other User.
    login_token: "LoginToken"

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        ordering = ["name", "email"]
        # Addresses are stored lowercased (checked by the database), so the
        # unique index on email makes them unique ignoring case.
        constraints = [
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")), name="user_email_lowercase"
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.email

    def get_absolute_url(self) -> str:
        return reverse("accounts:profile")

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def zoneinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class LoginTokenQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(used_at__isnull=True, expires_at__gt=dj_timezone.now())


class LoginToken(models.Model):
    """A one-time link sent by email. Only the SHA-256 of the token is stored."""

    class Purpose(models.TextChoices):
        SIGNIN = "signin", "sign in"
        VERIFY = "verify", "verify address and sign in"
        EMAIL_CHANGE = "email_change", "change email address"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="tokens")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    new_email = models.EmailField(blank=True)
    next_url = models.CharField(max_length=500, blank=True)
    intent = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    objects = LoginTokenQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["user", "used_at"])]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} link for {self.user}"

    @classmethod
    def issue(cls, *, user: User, purpose: str, minutes: int, **fields) -> str:
        """Store a new token's hash and return the raw token (256 random bits)."""
        raw = secrets.token_urlsafe(32)
        cls.objects.create(
            user=user,
            purpose=purpose,
            token_hash=hash_token(raw),
            expires_at=dj_timezone.now() + timedelta(minutes=minutes),
            **fields,
        )
        return raw

    @classmethod
    def find_usable(cls, raw: str, *, purposes) -> "LoginToken | None":
        return (
            cls.objects.usable()
            .filter(token_hash=hash_token(raw or ""), purpose__in=purposes)
            .select_related("user")
            .first()
        )

    def consume(self) -> bool:
        """Mark this token used, and every other open link of its person with it.

        The conditional UPDATE makes a double submit safe: only one request can
        turn `used_at` from NULL to a time, so only one of them signs in.
        """
        now = dj_timezone.now()
        claimed = LoginToken.objects.filter(pk=self.pk, used_at__isnull=True).update(
            used_at=now
        )
        if claimed != 1:
            return False
        LoginToken.objects.filter(user_id=self.user_id, used_at__isnull=True).update(
            used_at=now
        )
        self.used_at = now
        return True

    # Django's templates never call a method marked so; mypy knows no such
    # attribute on a function.
    consume.alters_data = True  # type: ignore[attr-defined]


API_TOKEN_PREFIX = "mtg_"


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A personal API token, shown once and stored as a SHA-256."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=60)
    token_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12)
    created_at = models.DateTimeField(default=dj_timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        # The table kept its name when tokens moved here from timepolls, so the
        # move changed no data (migrations 0003 here, 0002 there).
        db_table = "timepolls_apitoken"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"

    def get_absolute_url(self) -> str:
        return reverse("accounts:api_tokens")

    @classmethod
    def issue(cls, *, user, name: str) -> "tuple[ApiToken, str]":
        # The prefix tells an API token from a party link at a glance (and lets
        # secret scanners find leaked ones); 256 random bits follow it.
        raw = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, name=name, token_hash=hash_token(raw), hint=raw[:10]
        )
        return token, raw


class SessionManager(BaseSessionManager["Session"]):
    def get_queryset(self):
        # Django's session store looks a session up with `objects.get()`; the
        # person's row comes with it (a LEFT JOIN on the primary key), so a
        # signed-in request costs one query, not two (accounts.sessions).
        return super().get_queryset().select_related("user")


class Session(AbstractBaseSession):
    """A browser's session (Django's), with the key of the person signed in.

    `user` is written from the session's own data each time it is saved
    (accounts.sessions): it lets the session and the person load together,
    and every session of a person end at once (`services.sessions_end`).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="browser_sessions",
    )

    objects: ClassVar[SessionManager] = SessionManager()

    def get_absolute_url(self) -> str:
        return reverse("accounts:profile")

    @classmethod
    def get_session_store_class(cls):
        from .sessions import SessionStore

        return SessionStore
