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


def take(key: str, *, capacity: int, period: float, cost: int = 1) -> bool:
    """Take `cost` tokens from the bucket `key`; False (and nothing taken) when
    fewer are left."""
    now = timezone.now()
    rate = capacity / period
    for _ in range(2):
        try:
            with transaction.atomic():
                bucket = (
                    RateLimitBucket.objects.select_for_update().filter(key=key).first()
                )
                if bucket is None:
                    if cost > capacity:
                        return False
                    RateLimitBucket.objects.create(
                        key=key, tokens=capacity - cost, updated_at=now
                    )
                    return True
                elapsed = max((now - bucket.updated_at).total_seconds(), 0.0)
                tokens = min(capacity, bucket.tokens + elapsed * rate)
                if tokens < cost:
                    return False
                bucket.tokens = tokens - cost
                bucket.updated_at = now
                bucket.save(update_fields=["tokens", "updated_at"])
                return True
        except IntegrityError:
            # Another request created the row first; read it again.
            continue
    return False


def available(key: str, *, capacity: int, period: float) -> int:
    """Whole tokens left in the bucket `key` now (for "N left today" messages)."""
    bucket = RateLimitBucket.objects.filter(key=key).first()
    if bucket is None:
        return capacity
    elapsed = max((timezone.now() - bucket.updated_at).total_seconds(), 0.0)
    return int(min(capacity, bucket.tokens + elapsed * capacity / period))


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
