"""Account actions that touch several models or send email."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from core.discovery import app_modules
from core.links import absolute_reverse, absolute_url
from notifications import email as mail

from .models import ApiToken, LoginToken, Session, User

FORMER_MEMBER = "Former member"


def _link(viewname: str, raw_token: str) -> str:
    return absolute_reverse(viewname, token=raw_token)


def signin_request(
    *, email: str, next_url: str = "", intent: str = "", language: str = ""
) -> None:
    """Email a one-time sign-in link, or a "no account yet" note.

    The email is in the account's language, else in `language` (the page's).
    Side effects: a LoginToken row for a known, active address; one email either
    way, so the page shown afterwards never tells whether the address has an
    account.
    """
    minutes = settings.LOGIN_TOKEN_MINUTES
    with transaction.atomic():
        user = User.objects.filter(email=email, is_active=True).first()
        if user is None:
            query = urlencode(
                {k: v for k, v in [("next", next_url), ("intent", intent)] if v}
            )
            signup = absolute_url(
                reverse("accounts:signup") + (f"?{query}" if query else "")
            )
            mail.send_no_account(email=email, signup_url=signup, language=language)
            return
        raw = LoginToken.issue(
            user=user,
            purpose=LoginToken.Purpose.SIGNIN,
            minutes=minutes,
            next_url=next_url,
            intent=intent,
        )
        mail.send_signin_link(
            email=user.email,
            name=user.name,
            url=_link("accounts:link", raw),
            minutes=minutes,
            language=user.language or language,
        )


def signup_request(
    *,
    name: str,
    email: str,
    timezone: str = "UTC",
    next_url: str = "",
    intent: str = "",
    language: str = "",
) -> None:
    """Create an unverified account in `timezone` and `language` (the one the
    sign-up page was shown in, so later email speaks it too) and email its
    verification link.

    An address that already has an account gets a sign-in link instead (its
    name and zone stay as they are), so sign-up cannot be used to find out who
    has an account.
    Side effects: maybe a User row; a LoginToken row; one email.
    """
    minutes = settings.LOGIN_TOKEN_MINUTES
    again = {"email": email, "next_url": next_url, "intent": intent}
    if User.objects.filter(email=email).exists():
        signin_request(**again, language=language)
        return
    if language not in dict(settings.LANGUAGES):
        language = ""
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email, name, timezone=timezone, language=language
            )
            raw = LoginToken.issue(
                user=user,
                purpose=LoginToken.Purpose.VERIFY,
                minutes=minutes,
                next_url=next_url,
                intent=intent,
            )
            mail.send_verification_link(
                email=email,
                name=name,
                url=_link("accounts:link", raw),
                minutes=minutes,
                language=language,
            )
    except IntegrityError:
        # Someone signed up with this address a moment ago.
        signin_request(**again, language=language)


def email_change_request(*, user: User, new_email: str, language: str = "") -> None:
    """Email a confirmation link to the new address; nothing changes until it is used.

    The email is in the account's language, else in `language` (the page's).

    An address that belongs to another account gets no email (the page looks the
    same), so this form cannot probe for accounts either.
    """
    minutes = settings.LOGIN_TOKEN_MINUTES
    with transaction.atomic():
        if User.objects.filter(email=new_email).exists():
            return
        raw = LoginToken.issue(
            user=user,
            purpose=LoginToken.Purpose.EMAIL_CHANGE,
            minutes=minutes,
            new_email=new_email,
        )
        mail.send_email_change_link(
            email=new_email,
            name=user.name,
            url=_link("accounts:email_confirm", raw),
            minutes=minutes,
            language=user.language or language,
        )


def email_change_confirm(*, raw_token: str) -> User | None:
    """Switch the account to the confirmed address; None if the link is not valid.

    Side effects: the token and the person's other open links are used up.
    """
    with transaction.atomic():
        token = LoginToken.find_usable(
            raw_token, purposes=[LoginToken.Purpose.EMAIL_CHANGE]
        )
        if token is None or not token.consume():
            return None
        user = token.user
        if User.objects.filter(email=token.new_email).exclude(pk=user.pk).exists():
            return None
        user.email = token.new_email
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email", "email_verified_at"])
        return user


def account_delete_blockers(*, user: User) -> list[str]:
    """What must happen before the account can go (e.g. groups it alone owns)."""
    return [
        reason
        for module in app_modules("privacy")
        if hasattr(module, "blockers")
        for reason in module.blockers(user)
    ]


def account_delete(*, user: User) -> None:
    """Delete a person's account.

    Each app with a `privacy` module forgets what is personal (memberships,
    replies, preferences) through `privacy.forget(user)`. The row itself stays,
    anonymised as "Former member", so past mailings and proposals still read
    sensibly; it can never sign in again, and its sessions end on every device.
    """
    with transaction.atomic():
        for module in app_modules("privacy"):
            module.forget(user)
        user.tokens.all().delete()
        sessions_end(user=user)
        user.api_tokens.filter(revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        user.name = FORMER_MEMBER
        user.email = f"deleted-{user.pk}@invalid.invalid"
        user.website = user.github = user.linkedin = ""
        user.is_active = False
        user.is_staff = False
        user.is_superuser = False
        user.email_verified_at = None
        user.set_unusable_password()
        user.save()


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new personal API token; the raw value is returned once, never stored."""
    return ApiToken.issue(user=user, name=name)


def api_token_revoke(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def sessions_end(*, user: User) -> int:
    """End every session of `user`: every browser signed in as them.

    Returns how many ended. Side effects: their session rows are deleted
    (accounts.sessions), so the next request from each browser is signed out.
    """
    deleted, _ = Session.objects.filter(user=user).delete()
    return deleted
