"""Signed, opaque unsubscribe links (RFC 8058 one-click) for every bulk email.

The token signs a delivery id. From the delivery we know the person (or
address), the group and the topic, so the link unsubscribes exactly from what
that email was about, and nobody can forge a link for someone else.
"""

from django.core import signing

from core.links import absolute_reverse

SALT = "meetings.unsubscribe"


def make_token(delivery_id: int) -> str:
    return signing.dumps(delivery_id, salt=SALT, compress=True)


def read_token(token: str) -> int | None:
    try:
        value = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None


def unsubscribe_url(delivery) -> str:
    return absolute_reverse("notifications:unsubscribe", token=make_token(delivery.pk))


def unsubscribe_urls(delivery_ids) -> dict[int, str]:
    """`unsubscribe_url` for many deliveries at once (a bulk batch).

    Same URLs, built with one signer and one reverse() instead of one of each
    per recipient, which cost more than the SendGrid request itself.
    """
    signer = signing.TimestampSigner(salt=SALT)
    placeholder = "token"
    prefix, suffix = absolute_reverse(
        "notifications:unsubscribe", token=placeholder
    ).rsplit(placeholder, 1)
    return {
        pk: f"{prefix}{signer.sign_object(pk, compress=True)}{suffix}"
        for pk in delivery_ids
    }


def unsubscribe_headers(url: str) -> dict[str, str]:
    return {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
