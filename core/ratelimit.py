"""A small token bucket in the database, so limits hold across processes and servers.

Each key holds at most `capacity` tokens and regains them evenly over `period`
seconds; an action takes one token. The row is locked while it is read and
written, so two requests at once cannot both take the last token.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import RateLimitBucket

logger = logging.getLogger(__name__)


def hashed_key(prefix: str, value: str) -> str:
    """A key that does not store the value itself (e.g. an email address)."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256
    ).hexdigest()
    return f"{prefix}:{digest[:40]}"


def take(key: str, *, capacity: int, period: float) -> bool:
    """Take one token from the bucket `key`; False (and nothing taken) when empty."""
    now = timezone.now()
    rate = capacity / period
    for _ in range(2):
        try:
            with transaction.atomic():
                bucket = (
                    RateLimitBucket.objects.select_for_update().filter(key=key).first()
                )
                if bucket is None:
                    RateLimitBucket.objects.create(
                        key=key, tokens=capacity - 1, updated_at=now
                    )
                    return True
                elapsed = max((now - bucket.updated_at).total_seconds(), 0.0)
                tokens = min(capacity, bucket.tokens + elapsed * rate)
                if tokens < 1:
                    return False
                bucket.tokens = tokens - 1
                bucket.updated_at = now
                bucket.save(update_fields=["tokens", "updated_at"])
                return True
        except IntegrityError:
            # Another request created the row first; read it again.
            continue
    return False


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or the hop our own proxies added.

    With NUM_PROXIES trusted proxies in front (nginx: 1), the client is the
    entry that many places from the end of X-Forwarded-For; entries before it
    were written by the client and prove nothing.
    """
    proxies = settings.NUM_PROXIES
    if not proxies and "HTTP_X_FORWARDED_FOR" in request.META:
        _warn_unused_forwarded_for()
    if proxies:
        hops = [
            h.strip()
            for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if h.strip()
        ]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "")


@functools.cache
def _warn_unused_forwarded_for() -> None:
    # Once per process: behind a proxy with NUM_PROXIES=0 every client has the
    # proxy's address, so one busy client rate-limits everyone.
    logger.warning(
        "Requests carry X-Forwarded-For but NUM_PROXIES is 0: every client "
        "looks like the proxy. Behind nginx set NUM_PROXIES=1 (docs/deploy.md)."
    )
