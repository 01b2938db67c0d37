"""Reply addresses: where the Yes/No buttons of calendar apps send their reply.

With INBOUND_EMAIL_DOMAIN set, the ORGANIZER of a person's invitations to an
event is their own reply address, rsvp+<token>@<domain>, and the invitations
ask for replies (RSVP=TRUE); events/inbound.py reads what arrives there.

The token is an HMAC of the event and the person under SECRET_KEY, so every
invitation to them carries the same address and no one without the key can
make one; it names neither in clear. Lowercase base32, because mail systems
may change the case of an address. The database keeps only its SHA-256, in a
ReplyAddress row, which is how a reply finds its person and event.
"""

from __future__ import annotations

import base64
import hashlib
import re

from django.conf import settings
from django.utils.crypto import salted_hmac

from accounts.models import User

from .models import Event, ReplyAddress

LOCAL_PREFIX = "rsvp+"
TOKEN_BYTES = 20  # 160 bits: 32 base32 characters
_ADDRESS = re.compile(r"rsvp\+([a-z2-7]{32})@(.+)", re.IGNORECASE)


def token_for(event_id: int, user_id: int) -> str:
    mac = salted_hmac(
        "events.replies.token", f"{event_id}:{user_id}", algorithm="sha256"
    ).digest()
    return base64.b32encode(mac[:TOKEN_BYTES]).decode("ascii").lower()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.lower().encode()).hexdigest()


def reply_addresses(event: Event, people: list[User]) -> dict[int, str]:
    """Each person's reply address for `event`, by user id ({} without a domain).

    Side effects: one ReplyAddress row per person (a single upsert, which also
    follows a changed SECRET_KEY).
    """
    domain = settings.INBOUND_EMAIL_DOMAIN
    if not domain or not people:
        return {}
    tokens = {person.pk: token_for(event.pk, person.pk) for person in people}
    ReplyAddress.objects.bulk_create(
        [
            ReplyAddress(event=event, user_id=pk, token_hash=token_hash(token))
            for pk, token in tokens.items()
        ],
        update_conflicts=True,
        unique_fields=["event", "user"],
        update_fields=["token_hash"],
    )
    return {pk: f"{LOCAL_PREFIX}{token}@{domain}" for pk, token in tokens.items()}


def reply_address_find(recipients: list[str]) -> ReplyAddress | None:
    """The ReplyAddress behind one of `recipients`; None when none is ours."""
    domain = settings.INBOUND_EMAIL_DOMAIN
    tokens = []
    for address in recipients:
        match = _ADDRESS.fullmatch(address.strip())
        if match and domain and match[2].lower() == domain:
            tokens.append(token_hash(match[1]))
    if not tokens:
        return None
    return (
        ReplyAddress.objects.select_related("event__group", "user")
        .filter(token_hash__in=tokens, user__is_active=True)
        .first()
    )
