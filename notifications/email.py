"""The one place that builds and sends email.

Each email type has a public function here. It renders `emails/<name>_subject.txt`,
`emails/<name>_body.txt` and `emails/<name>_body.html` (which extends
`emails/base.html`) and hands the result to `_dispatch`, which sends it once the
surrounding transaction commits, so an action that rolls back sends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render_email(name: str, ctx: dict) -> Rendered:
    ctx = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **ctx}
    subject = render_to_string(f"emails/{name}_subject.txt", ctx)
    return Rendered(
        subject=" ".join(subject.split()),
        text=render_to_string(f"emails/{name}_body.txt", ctx).strip() + "\n",
        html=render_to_string(f"emails/{name}_body.html", ctx),
    )


def _dispatch(*, kind: str, to: str, rendered: Rendered) -> None:
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        reply_to=[settings.REPLY_TO_EMAIL] if settings.REPLY_TO_EMAIL else None,
        headers={"X-Meetings-Kind": kind},
    )
    message.attach_alternative(rendered.html, "text/html")
    transaction.on_commit(message.send)


def send_signin_link(*, email: str, name: str, url: str, minutes: int) -> None:
    """A one-time sign-in link to an existing account."""
    ctx = {"name": name, "url": url, "minutes": minutes}
    _dispatch(kind="signin_link", to=email, rendered=render_email("signin_link", ctx))


def send_verification_link(*, email: str, name: str, url: str, minutes: int) -> None:
    """The link that confirms a new account's address and signs the person in."""
    ctx = {"name": name, "url": url, "minutes": minutes}
    _dispatch(kind="verify", to=email, rendered=render_email("verify", ctx))


def send_no_account(*, email: str, signup_url: str) -> None:
    """Someone asked to sign in with an address that has no account."""
    ctx = {"signup_url": signup_url}
    _dispatch(kind="no_account", to=email, rendered=render_email("no_account", ctx))


def send_email_change_link(*, email: str, name: str, url: str, minutes: int) -> None:
    """Confirms a new address before an account switches to it."""
    ctx = {"name": name, "url": url, "minutes": minutes, "new_email": email}
    _dispatch(kind="email_change", to=email, rendered=render_email("email_change", ctx))
