"""Conditional GET (RFC 9110, section 13) for responses with a cheap validator.

Calendar apps poll feeds every few minutes; with an entity tag they ask "has
it changed?" (If-None-Match) and get a bodiless 304 when it has not. Django's
`condition` decorator computes validators in functions of their own, before
the view, which would look the group or the feed token up twice and check
access outside the view; `respond` takes the validator from a view that has
already loaded and checked what it serves, then runs the same evaluation
(`django.utils.cache.get_conditional_response`, RFC 9110 section 13.2.2).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.crypto import salted_hmac
from django.utils.http import http_date, quote_etag


def entity_tag(kind: str, *parts: object) -> str:
    """A strong entity tag for the response built from `parts` (quoted).

    An HMAC under SECRET_KEY, so a tag tells nothing of what it was computed
    from: nobody can work out from one which events a person attends, nor
    make up the tag of a feed they cannot read. `parts` must hold everything
    the body and its headers are built from: equal tags promise equal bytes.
    """
    payload = json.dumps(parts, default=_plain, separators=(",", ":"))
    digest = salted_hmac(f"core.conditional.{kind}", payload, algorithm="sha256")
    return quote_etag(digest.hexdigest()[:40])


def _plain(value: object) -> str:
    # The same instant is the same text, whatever zone object it came with.
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    raise TypeError(f"no entity tag for a {type(value).__name__}")


def respond(
    request: HttpRequest,
    *,
    etag: str,
    build: Callable[[], HttpResponse],
    private: bool,
    last_modified: datetime | None = None,
) -> HttpResponse:
    """304 Not Modified when the client holds `etag` (or, without If-None-Match,
    nothing changed since `last_modified`), else the response `build()` makes.

    Call it only after the access checks: a 304 confirms that the client's
    copy is what it may see now. Both answers carry the validators and
    `Cache-Control: no-cache` (caches must ask again each time, never reuse a
    copy by its age), plus `private` for what only one person may see.

    `last_modified` must be a time that moves forward on every change of the
    body; pass None where none exists (a reply withdrawn deletes its row). It
    is sent only when its second ended more than a second ago: HTTP dates
    count whole seconds, so a change later in the same second would keep the
    date a client holds, and a transaction that took its time up to a second
    before this read but commits after it would too.
    """
    modified = None
    if last_modified is not None:
        seconds = int(last_modified.timestamp())
        if seconds < int((timezone.now() - timedelta(seconds=1)).timestamp()):
            modified = seconds
    response = get_conditional_response(request, etag=etag, last_modified=modified)
    if response is None:
        response = build()
    if request.method in ("GET", "HEAD"):
        # `build` may tag its response itself: with the tag of what it read.
        response.headers.setdefault("ETag", etag)
        if modified is not None:
            response.headers["Last-Modified"] = http_date(modified)
    if private:
        patch_cache_control(response, no_cache=True, private=True)
    else:
        patch_cache_control(response, no_cache=True)
    return response
