"""Sealed secrets in the outbox: links that sign someone in, unreadable at rest.

A sign-in, email-change or private poll link is a key to someone's account or
answers. The outbox stores the email bodies with `PLACEHOLDER` where the link
goes and the link itself sealed (Fernet: AES with an HMAC, from the
`cryptography` package) with a key derived from SECRET_KEY. The sender unseals
it only to send, and the message forgets it once its delivery is settled. A
database dump, a backup or the admin shows neither the link nor its token.
An invitation that names a person's reply address (events/replies.py) is kept
the same way: the calendar is the placeholder, the sealed secret the calendar.
"""

from __future__ import annotations

import base64
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PLACEHOLDER = "-private_link-"


class Unsealable(Exception):
    """The secret was sealed under another SECRET_KEY (or was tampered with)."""


@cache
def _fernet(secret_key: str) -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=b"meetings outbox: sealed links",
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: str) -> str:
    return _fernet(settings.SECRET_KEY).encrypt(secret.encode()).decode()


def unseal(sealed: str) -> str:
    try:
        return _fernet(settings.SECRET_KEY).decrypt(sealed.encode()).decode()
    except InvalidToken as error:
        raise Unsealable(
            "the link was sealed under another SECRET_KEY and cannot be sent"
        ) from error


def put_back(body: str, sealed: str) -> str:
    """The body as the recipient must get it, with the link in its place."""
    return body.replace(PLACEHOLDER, unseal(sealed)) if sealed else body
