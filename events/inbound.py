"""Calendar replies by email: SendGrid's Inbound Parse webhook sets the RSVP.

Gmail's and Outlook's Yes/No buttons send an iTIP REPLY (RFC 5546 3.2.3) to
the invitation's ORGANIZER, a person's reply address (events/replies.py).
SendGrid receives the mail for INBOUND_EMAIL_DOMAIN and POSTs it here as
multipart/form-data: with "POST the raw, full MIME message" as the `email`
field, otherwise as parsed fields with the attachments as files. Both are
read; the calendar is a text/calendar or application/ics part or an .ics
file. `reply_apply` records the answer through `services.rsvp_set`, so the
rules and emails are those of the web reply: attending (or the waiting list
when full), not attending.

The webhook answers 404 without INBOUND_PARSE_SECRET, 401 without and 403
with wrong basic-auth credentials (the secret is the password), 413 for a
body over MAX_BODY_BYTES. Every other email gets a 2xx, so that SendGrid
does not retry it, whether it changed an RSVP or not. It changes nothing,
and the log says why, unless all of these hold: it went to a reply address
we issued, comes From the address of its person, is a METHOD:REPLY whose
VEVENT has the event's UID and an ATTENDEE with that same address, and its
(SEQUENCE, DTSTAMP) is later than that of the last reply applied (a replay
or an older reply is not) and not ahead of the event or the clock. TENTATIVE
keeps the reply as it is: "maybe" is not one of our replies, and only
"attending" holds a place.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from email.utils import getaddresses, parseaddr

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from icalendar import Calendar

from . import services
from .models import Event, ReplyAddress
from .replies import reply_address_find

logger = logging.getLogger(__name__)

# A calendar reply is some kilobytes (Gmail's repeats the description); this
# stays below Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) for the raw
# `email` field and nginx's client_max_body_size of docs/deploy.md (5 MB).
MAX_BODY_BYTES = 2 * 1024 * 1024
CALENDAR_TYPES = {"text/calendar", "application/ics"}
# More calendars than this in one email is not a calendar reply.
MAX_CALENDARS = 4
CHOICES = {"ACCEPTED": "attending", "DECLINED": "not_attending"}
# Calendar clocks drift; a DTSTAMP further ahead would block every later reply.
CLOCK_SKEW = timedelta(hours=1)


@dataclass(frozen=True)
class InboundMail:
    """What the webhook read from one email: to whom, from whom, its calendars."""

    recipients: list[str]
    sender: str
    calendars: list[bytes]


class Ignored(Exception):
    """A reply that changes nothing; the message says why (for the log)."""


@csrf_exempt  # SendGrid sends no CSRF token; its basic-auth password stands in.
@require_POST
def sendgrid_inbound(request: HttpRequest) -> HttpResponse:
    refused = _refused(request)
    if refused is not None:
        return refused
    try:
        mail = _read_post(request)
    except RequestDataTooBig:
        return HttpResponse("Request body too large.\n", status=413)
    except (MultiPartParserError, SuspiciousOperation, BadRequest):
        return HttpResponse("Not a multipart/form-data body.\n", status=400)
    try:
        outcome = reply_apply(mail=mail)
    except Ignored as why:
        logger.warning("Calendar reply ignored: %s", why)
        return HttpResponse("Ignored.\n", content_type="text/plain")
    logger.info("Calendar reply applied: %s", outcome)
    return HttpResponse("Applied.\n", content_type="text/plain")


def _refused(request: HttpRequest) -> HttpResponse | None:
    """404 unconfigured, 401/403 without the secret, 413 too large; None: go on."""
    secret = settings.INBOUND_PARSE_SECRET
    if not secret:
        raise Http404("Calendar replies by email are not set up.")
    password = _basic_password(request)
    if password is None:
        response = HttpResponse("Credentials required.\n", status=401)
        response["WWW-Authenticate"] = 'Basic realm="inbound email", charset="UTF-8"'
        return response
    if not hmac.compare_digest(password.encode(), secret.encode()):
        logger.warning("Inbound email refused: wrong credentials")
        return HttpResponseForbidden("Wrong credentials.\n")
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > MAX_BODY_BYTES:
        return HttpResponse("Request body too large.\n", status=413)
    return None


def _basic_password(request: HttpRequest) -> str | None:
    """The password of HTTP basic auth ("" when malformed); None without any."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return ""
    return decoded.partition(":")[2]


def _read_post(request: HttpRequest) -> InboundMail:
    post = request.POST
    recipients = _envelope_to(post.get("envelope", ""))
    if not recipients:
        recipients = [a for _, a in getaddresses([post.get("to", "")]) if a]
    calendars = []
    if post.get("email"):
        calendars += _mime_calendars(post["email"])
    for field in request.FILES:
        for upload in request.FILES.getlist(field):
            name = (upload.name or "").lower()
            if (upload.content_type or "") in CALENDAR_TYPES or name.endswith(".ics"):
                calendars.append(upload.read(MAX_BODY_BYTES))
    return InboundMail(
        recipients=recipients,
        sender=parseaddr(post.get("from", ""))[1],
        calendars=calendars[:MAX_CALENDARS],
    )


def _envelope_to(envelope: str) -> list[str]:
    """The SMTP recipients from SendGrid's `envelope` field ({"to": [...]})."""
    try:
        to = json.loads(envelope).get("to", [])
    except (ValueError, RecursionError, AttributeError):
        return []
    return [a for a in to if isinstance(a, str)] if isinstance(to, list) else []


def _mime_calendars(raw: str) -> list[bytes]:
    """The calendar parts of a raw MIME message, decoded."""
    # Django decoded the field as UTF-8; as bytes again, 8-bit parts decode
    # to what was sent.
    try:
        message = message_from_bytes(
            raw.encode("utf-8", "surrogateescape"), policy=default_policy
        )
        parts = [p for p in message.walk() if not p.is_multipart()]
    except (RecursionError, ValueError, TypeError):
        return []
    found = []
    for part in parts:
        name = (part.get_filename() or "").lower()
        if part.get_content_type() in CALENDAR_TYPES or name.endswith(".ics"):
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                found.append(payload)
    return found


def reply_apply(*, mail: InboundMail) -> str:
    """Record an emailed iTIP REPLY as the person's RSVP; returns what happened.

    Raises Ignored, with the reason, for a reply that changes nothing.
    Side effects: those of `services.rsvp_set` (the reply row, a waiting-list
    move, the confirmation or cancellation email), and the SEQUENCE and
    DTSTAMP of the reply kept on its ReplyAddress.
    """
    row = reply_address_find(mail.recipients)
    if row is None:
        raise Ignored("not sent to a reply address we issued")
    user, event = row.user, row.event
    if mail.sender.lower() != user.email.lower():
        raise Ignored(f"sender is not the owner of reply address {row.pk}")
    partstat, sequence, stamp = _answer(mail.calendars, event=event, email=user.email)
    with transaction.atomic():
        row = ReplyAddress.objects.select_for_update().get(pk=row.pk)
        if row.sequence is not None and row.stamp is not None:
            if (sequence, stamp) <= (row.sequence, row.stamp):
                raise Ignored(f"replayed or older than the last reply ({row.pk})")
        if partstat in CHOICES:
            try:
                rsvp = services.rsvp_set(
                    event=event, user=user, choice=CHOICES[partstat]
                )
            except services.RsvpError as error:
                raise Ignored(f"refused for event {event.pk}: {error}") from error
            outcome = rsvp.status if rsvp is not None else "none"
        elif partstat == "TENTATIVE":
            outcome = "tentative, reply kept"
        else:
            raise Ignored(f"PARTSTAT {partstat or 'missing'} for event {event.pk}")
        row.sequence, row.stamp = sequence, stamp
        row.save(update_fields=["sequence", "stamp"])
    return f"event {event.pk}, reply address {row.pk}: {outcome}"


def _answer(
    calendars: list[bytes], *, event: Event, email: str
) -> tuple[str, int, datetime]:
    """PARTSTAT, SEQUENCE and DTSTAMP of the first METHOD:REPLY in `calendars`."""
    for ics in calendars:
        try:
            cal = Calendar.from_ical(ics)
            if str(cal.get("method", "")).upper() != "REPLY":
                continue
            vevents = [v for v in cal.walk("VEVENT") if str(v.get("uid")) == event.uid]
        except (ValueError, TypeError, KeyError, IndexError, RecursionError):
            continue
        if not vevents:
            raise Ignored(f"UID is not that of event {event.pk}")
        return _attendee_answer(vevents[0], event=event, email=email)
    raise Ignored(f"no iTIP REPLY for event {event.pk}")


def _attendee_answer(vevent, *, event: Event, email: str) -> tuple[str, int, datetime]:
    attendees = vevent.get("attendee", [])
    attendees = attendees if isinstance(attendees, list) else [attendees]
    mine = [a for a in attendees if _mailto(str(a)) == email.lower()]
    if not mine:
        raise Ignored(f"no ATTENDEE with the address's owner, event {event.pk}")
    try:
        sequence = int(vevent.get("sequence", 0))
        stamp = vevent.decoded("dtstamp")
    except (KeyError, ValueError, TypeError) as error:
        raise Ignored(f"no valid SEQUENCE or DTSTAMP, event {event.pk}") from error
    if not isinstance(stamp, datetime):
        raise Ignored(f"DTSTAMP is not a time, event {event.pk}")
    stamp = stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    if sequence > event.sequence or stamp > timezone.now() + CLOCK_SKEW:
        raise Ignored(f"SEQUENCE or DTSTAMP ahead of event {event.pk}")
    return str(mine[0].params.get("PARTSTAT", "")).upper(), sequence, stamp


def _mailto(value: str) -> str:
    scheme, _, address = value.partition(":")
    return address.strip().lower() if scheme.lower() == "mailto" else ""
