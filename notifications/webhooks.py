"""SendGrid's signed event webhook: bounces and complaints stop further mail.

SendGrid POSTs a JSON array of events, signed with ECDSA over the timestamp
header and the raw body. Events that say an address must not get mail again
(bounce, blocked, dropped, spam report, unsubscribe) become Suppression rows,
which `outbox.queue` and the sender honour for everything but sign-in links.
Each event is processed once: its `sg_event_id` is kept in WebhookEvent, so
SendGrid's redeliveries change nothing.
"""

from __future__ import annotations

import json
import logging
import time

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import sendgrid_api
from .models import Delivery, Suppression, WebhookEvent

logger = logging.getLogger(__name__)

# SendGrid posts batches of at most 768 KB; anything larger is not SendGrid.
MAX_BODY_BYTES = 1024 * 1024
# The message did not arrive: its delivery fails, and the address gets no more.
FAILURES = {"bounce", "dropped"}
# The message arrived but the person wants no more.
COMPLAINTS = {
    "spamreport": Suppression.Reason.SPAMREPORT,
    "unsubscribe": Suppression.Reason.UNSUBSCRIBE,
}
# SendGrid has the message: proof that an unknown outcome was in fact a send.
ACCEPTED = {"processed", "delivered"}


@csrf_exempt  # SendGrid cannot send a CSRF token; the signature authenticates it.
@require_POST
def sendgrid_events(request):
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > MAX_BODY_BYTES:
        return HttpResponse("Request body too large.\n", status=413)
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return HttpResponse("Request body too large.\n", status=413)
    if not _signed_by_sendgrid(request, body):
        return HttpResponseForbidden("Missing, invalid or stale signature.\n")
    try:
        events = json.loads(body)
    except (ValueError, RecursionError):
        # A signed body is still only as trustworthy as the key's holder, and
        # a few hundred KB of brackets nest deeper than the decoder recurses.
        return HttpResponseBadRequest("The body is not JSON.\n")
    if not isinstance(events, list):
        return HttpResponseBadRequest("Expected a JSON array of events.\n")
    recorded = webhook_events_record(events=events)
    return HttpResponse(f"{recorded} recorded.\n", content_type="text/plain")


def _signed_by_sendgrid(request, body: bytes) -> bool:
    public_key = settings.SENDGRID_WEBHOOK_PUBLIC_KEY
    if not public_key:
        logger.warning("SendGrid event refused: SENDGRID_WEBHOOK_PUBLIC_KEY is unset")
        return False
    return sendgrid_api.verify_webhook(
        public_key=public_key,
        payload=body,
        signature=request.headers.get(sendgrid_api.WEBHOOK_SIGNATURE_HEADER, ""),
        timestamp=request.headers.get(sendgrid_api.WEBHOOK_TIMESTAMP_HEADER, ""),
        now=time.time(),
    )


def webhook_events_record(*, events: list) -> int:
    """Act on SendGrid's events; returns how many new suppressing events there were.

    Side effects: for a bounce, block, drop, spam report or unsubscribe seen
    for the first time, a WebhookEvent (by `sg_event_id`) and a Suppression
    of the address; for bounces, blocks and drops the Delivery named in
    `custom_args` also becomes `failed` with SendGrid's reason. A processed or
    delivered event for a delivery waiting to retry after an unknown outcome
    marks it `sent`, so it is not sent twice. Other events are ignored.
    """
    recorded = 0
    accepted: dict[int, str] = {}
    for event in events:
        if not isinstance(event, dict):
            continue
        if event.get("event") in ACCEPTED:
            if (delivery_id := _delivery_id(event)) is not None:
                accepted[delivery_id] = str(event.get("email") or "").strip().lower()
            continue
        reason = _suppression_reason(event)
        email = str(event.get("email") or "").strip().lower()
        if reason is None or not email or len(email) > 254:
            continue
        with transaction.atomic():
            if not _first_time(event, email):
                continue
            Suppression.objects.get_or_create(
                email=email,
                defaults={"reason": reason, "detail": _detail(event)[:2000]},
            )
            _mark_failed(event, email)
        recorded += 1
    if accepted:
        _settle_sent(accepted)
    return recorded


def _settle_sent(accepted: dict[int, str]) -> None:
    """Rows SendGrid reports it has: never send them again.

    That is a row waiting to retry after an unknown outcome, and a row still
    `sending` (its sender may have died after SendGrid took the request, or is
    still waiting for the answer): either would otherwise be sent twice. The
    address must match the delivery id, as for failures.
    """
    unsettled = Delivery.objects.filter(pk__in=accepted).filter(
        Q(status=Delivery.Status.SENDING)
        | Q(status=Delivery.Status.PENDING, unknown_outcome=True)
    )
    ours = [
        pk
        for pk, email in unsettled.values_list("pk", "email")
        if accepted[pk] == email
    ]
    if ours:
        unsettled.filter(pk__in=ours).update(
            status=Delivery.Status.SENT,
            sent_at=timezone.now(),
            last_error="SendGrid reported it processed",
        )


def _suppression_reason(event: dict) -> str | None:
    kind = event.get("event", "")
    if kind == "bounce":
        # SendGrid reports a block (a temporary refusal) as a bounce of type
        # "blocked".
        blocked = event.get("type") == "blocked"
        return Suppression.Reason.BLOCKED if blocked else Suppression.Reason.BOUNCE
    if kind == "dropped":
        return Suppression.Reason.DROPPED
    return COMPLAINTS.get(kind)


def _first_time(event: dict, email: str) -> bool:
    event_id = str(event.get("sg_event_id") or "")[:100]
    if not event_id:
        return True  # Nothing to deduplicate on; what follows is idempotent.
    _, created = WebhookEvent.objects.get_or_create(
        sg_event_id=event_id,
        defaults={"event": str(event.get("event"))[:30], "email": email},
    )
    return created


def _detail(event: dict) -> str:
    parts = [str(event.get(key)) for key in ("reason", "response") if event.get(key)]
    return "; ".join([str(event.get("event")), *parts])


def _delivery_id(event: dict) -> int | None:
    value = str(event.get("delivery_id") or "")
    return int(value) if value.isdigit() and len(value) <= 18 else None


def _mark_failed(event: dict, email: str) -> None:
    delivery_id = _delivery_id(event)
    if event.get("event") not in FAILURES or delivery_id is None:
        return
    # The address must match too: a delivery id alone does not prove it is ours.
    Delivery.objects.filter(pk=delivery_id, email=email).update(
        status=Delivery.Status.FAILED, last_error=_detail(event)[:2000]
    )
