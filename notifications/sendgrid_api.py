"""A small, pure client for SendGrid's v3 mail-send API and its event webhook.

Nothing here imports Django or reads settings: callers pass the API key, host
and timeouts in, so the same functions serve the bulk command, tests and
benchmarks (which point ``host`` at ``tests.fakes.sendgrid_server``).

Batching model: one mailing to N recipients (N <= 1000) is ONE request with N
personalizations. The subject and bodies are shared; what differs per
recipient travels in the personalization: ``custom_args`` (our delivery id, so
webhook events map back to rows), ``headers`` (List-Unsubscribe) and
``substitutions`` (the unsubscribe URL, which SendGrid swaps in for
``UNSUBSCRIBE_TOKEN`` in the text and HTML bodies).

Calendar invitations: SendGrid accepts a ``text/calendar; method=REQUEST``
content part after text/plain and text/html (SendGrid's own recipe in
sendgrid/sendgrid-ruby#298); it rejects any other parameter such as
``charset`` ("The content type cannot contain ';', or CRLF characters",
sendgrid/sendgrid-java#552) and always sends that part quoted-printable.
``build_payload(calendar=...)`` follows that recipe: the content part gives
Gmail and Outlook their RSVP buttons, and an ``invite.ics`` attachment of type
``application/ics`` serves clients that only offer attachments. Content is
shared by the whole request and substitutions reach only the text and HTML
parts, so the iCalendar text must not be per-recipient (no ATTENDEE lines);
send an invitation that needs them as a one-recipient message.
"""

from __future__ import annotations

import base64
import enum
import functools
import http.client
import json
import os
import random
import re
import select
import ssl
import threading
import time
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import Message

from cryptography.hazmat.primitives.asymmetric import ec
from sendgrid.helpers.eventwebhook import EventWebhook

SEND_PATH = "/v3/mail/send"
USER_AGENT = "meetings-sender (Python http.client)"
MAX_RECIPIENTS = 1000
MAX_CATEGORIES = 10
UNSUBSCRIBE_TOKEN = "-unsubscribe_url-"
CALENDAR_CONTENT_TYPE = "text/calendar; method=REQUEST"
CALENDAR_METHODS = {"REQUEST", "CANCEL", "PUBLISH"}
CALENDAR_FILENAME = "invite.ics"

RETRY_BASE_SECONDS = 2.0
RETRY_CAP_SECONDS = 300.0
# SendGrid signs with its own clock; allow this much drift into the future.
WEBHOOK_CLOCK_SKEW_SECONDS = 30

# The webhook view reads these (EventWebhookHeader spells the same names).
WEBHOOK_SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
WEBHOOK_TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"

# Characters that would break the List-Unsubscribe header (CR/LF inject
# headers, "<" and ">" end the angle-bracket URL) or the HTML attribute the
# substituted URL lands in.
_UNSAFE_URL_CHARS = re.compile(r'[\s<>"]')
# The part of an error's `field` that names one personalization of the request.
_PERSONALIZATION_FIELD = re.compile(r"personalizations\.(\d+)(?:\.|$)")


@dataclass(frozen=True)
class Recipient:
    """One addressee of a batched mailing; becomes one personalization."""

    email: str
    delivery_id: int | str
    name: str = ""
    unsubscribe_url: str = ""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    type: str = "application/octet-stream"
    disposition: str = "attachment"


class Status(enum.StrEnum):
    SENT = "sent"  # 202: SendGrid queued it.
    RETRY = "retry"  # Not accepted (429, 503, never reached SendGrid): resend.
    FAILED = "failed"  # Rejected (4xx): resending the same payload cannot help.
    SPLIT = "split"  # 413: resend as two halves.
    UNKNOWN = "unknown"  # May have been sent (5xx, timeout): resend at most once.


@dataclass(frozen=True)
class ApiError:
    """One entry of SendGrid's {"errors": [{"message", "field", "help"}]}."""

    message: str
    field: str = ""

    @property
    def personalization(self) -> int | None:
        """The index of the personalization ``field`` names, if it names one."""
        match = _PERSONALIZATION_FIELD.match(self.field)
        return int(match[1]) if match else None


@dataclass(frozen=True)
class Outcome:
    """What one send attempt came to, and what the caller should do next.

    ``retry_after`` (seconds) is set for RETRY and UNKNOWN. UNKNOWN must be
    resent at most once, since the first copy may already be on its way. A
    SPLIT of a one-recipient batch cannot be split further: treat it as
    FAILED.
    """

    status: Status
    http_status: int | None = None
    message_id: str | None = None
    retry_after: float | None = None
    error: str = ""
    errors: tuple[ApiError, ...] = ()

    def refused_recipients(self) -> dict[int, str] | None:
        """What a 400 blames: personalization index -> SendGrid's message.

        None when it is not a 400 about recipients (another status, an error
        about the message as a whole such as ``from.email``, or a body that
        is not SendGrid's JSON): then no part of the request can go. An empty
        dict when no error names a field: some recipient is refused, but
        SendGrid did not say which.
        """
        if self.http_status != 400 or not self.errors:
            return None
        blamed: dict[int, str] = {}
        for error in self.errors:
            index = error.personalization
            if error.field and index is None:
                return None
            if index is not None:
                blamed.setdefault(index, error.message)
        return blamed


def build_payload(
    *,
    from_email: str,
    from_name: str = "",
    reply_to: str = "",
    subject: str,
    text: str,
    html: str = "",
    personalizations: Sequence[Recipient],
    categories: Sequence[str] = (),
    attachments: Sequence[Attachment] = (),
    headers: Mapping[str, str] | None = None,
    calendar: str = "",
    calendar_method: str = "REQUEST",
) -> dict:
    """Return the v3 mail-send JSON body: one personalization per recipient.

    Raises ValueError for payloads SendGrid would reject or that would ship a
    broken unsubscribe link. Pure: no I/O.
    """
    if not 1 <= len(personalizations) <= MAX_RECIPIENTS:
        raise ValueError(
            f"need 1 to {MAX_RECIPIENTS} recipients, got {len(personalizations)}"
        )
    if not text:
        raise ValueError("text must not be empty: SendGrid rejects empty content")
    if len(categories) > MAX_CATEGORIES:
        raise ValueError(f"SendGrid allows at most {MAX_CATEGORIES} categories")
    token_in_body = UNSUBSCRIBE_TOKEN in text or UNSUBSCRIBE_TOKEN in html
    payload: dict = {
        "personalizations": [
            _personalization(recipient, token_in_body=token_in_body)
            for recipient in personalizations
        ],
        "from": _address(from_email, from_name),
        "subject": subject,
        "content": _content(
            text=text, html=html, calendar=calendar, method=calendar_method
        ),
    }
    if reply_to:
        payload["reply_to"] = {"email": reply_to}
    if categories:
        payload["categories"] = list(categories)
    if headers:
        payload["headers"] = dict(headers)
    parts = [_attachment(attachment) for attachment in attachments]
    if calendar:
        parts.append(
            _attachment(
                Attachment(CALENDAR_FILENAME, calendar.encode(), "application/ics")
            )
        )
    if parts:
        payload["attachments"] = parts
    return payload


def _personalization(recipient: Recipient, *, token_in_body: bool) -> dict:
    url = recipient.unsubscribe_url
    if url and not token_in_body:
        raise ValueError(
            f"{recipient.email} has an unsubscribe URL but neither body contains "
            f"{UNSUBSCRIBE_TOKEN}"
        )
    if token_in_body and not url:
        raise ValueError(
            f"the body contains {UNSUBSCRIBE_TOKEN} but {recipient.email} has no "
            "unsubscribe URL"
        )
    personalization: dict = {
        "to": [_address(recipient.email, recipient.name)],
        "custom_args": {"delivery_id": str(recipient.delivery_id)},
    }
    if url:
        if _UNSAFE_URL_CHARS.search(url):
            raise ValueError(f"unsafe characters in unsubscribe URL {url!r}")
        personalization["headers"] = {
            "List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        personalization["substitutions"] = {UNSUBSCRIBE_TOKEN: url}
    return personalization


def _address(email: str, name: str) -> dict:
    # SendGrid rejects ";" and "," in recipient names. Names are members'
    # display names, so soften them instead of failing a whole batch.
    name = " ".join(name.replace(";", " ").replace(",", " ").split())
    return {"email": email, "name": name} if name else {"email": email}


def _content(*, text: str, html: str, calendar: str, method: str) -> list[dict]:
    # SendGrid requires text/plain first, then text/html, then anything else.
    content = [{"type": "text/plain", "value": text}]
    if html:
        content.append({"type": "text/html", "value": html})
    if calendar:
        if method not in CALENDAR_METHODS:
            raise ValueError(f"unknown iTIP method {method!r}")
        content.append({"type": f"text/calendar; method={method}", "value": calendar})
    return content


def _attachment(attachment: Attachment) -> dict:
    if ";" in attachment.type or "\n" in attachment.type or "\r" in attachment.type:
        raise ValueError(f"SendGrid rejects attachment type {attachment.type!r}")
    return {
        "content": base64.b64encode(attachment.content).decode("ascii"),
        "filename": attachment.filename,
        "type": attachment.type,
        "disposition": attachment.disposition,
    }


def backoff(attempt: int, *, base: float, cap: float, rng: random.Random) -> float:
    """Seconds to wait before retry number ``attempt`` (0 for the first retry).

    Exponential with "equal jitter": between half and all of
    min(cap, base * 2**attempt), so concurrent senders spread out but no
    retry fires almost immediately.
    """
    ceiling = min(cap, base * 2 ** min(max(attempt, 0), 62))
    return ceiling / 2 + rng.random() * ceiling / 2


def encode(payload: dict) -> bytes:
    """The request body for ``payload``, as `send` would write it."""
    return json.dumps(payload).encode()


def send(
    payload: dict | bytes,
    *,
    api_key: str,
    host: str,
    timeout: float,
    attempt: int = 0,
    now: float | None = None,
    rng: random.Random | None = None,
) -> Outcome:
    """POST ``payload`` (or a body `encode` made) to ``host``/v3/mail/send.

    Never raises for HTTP or network failures; the Outcome says what to do.
    ``timeout`` bounds each blocking socket step (connect, each read), not
    the whole exchange. The request goes over this process's kept-alive
    connection to ``host`` (`Connection`). ``attempt`` (0-based) scales the
    backoff; ``now`` and ``rng`` exist so tests get exact values.
    """
    if not api_key:
        raise ValueError("api_key is required")
    if timeout <= 0:
        # A socket timeout of 0 means non-blocking, None forever.
        raise ValueError("timeout must be positive")
    if rng is None:
        rng = random.Random()
    headers = {
        "Authorization": f"Bearer {api_key}",
        "Content-Type": "application/json",
        "Accept": "application/json",
        "User-Agent": USER_AGENT,
    }
    body = payload if isinstance(payload, bytes) else encode(payload)
    try:
        status, response_headers, response_body = _connection(host, timeout).post(
            SEND_PATH, body, headers
        )
    except NotDelivered as exc:
        # Raised while connecting or writing the request (refused, reset, DNS,
        # connect timeout): SendGrid never got a complete request, so
        # resending cannot duplicate mail.
        return Outcome(
            Status.RETRY,
            retry_after=_backoff(attempt, rng),
            error=f"request not delivered: {exc.reason}",
        )
    except (OSError, http.client.HTTPException) as exc:
        # Raised while awaiting the response (read timeout, connection dropped
        # after the request went out): SendGrid may have queued the mail.
        return Outcome(
            Status.UNKNOWN,
            retry_after=_backoff(attempt, rng),
            error=f"no response: {exc!r}",
        )
    return _classify(
        status, response_headers, response_body, attempt=attempt, now=now, rng=rng
    )


class NotDelivered(Exception):
    """The request did not reach the server whole: nothing can have been sent."""

    def __init__(self, reason: BaseException) -> None:
        super().__init__(str(reason))
        self.reason = reason


class Connection:
    """One kept-alive HTTP(S) connection to one API host, reopened when needed.

    The sendgrid package's transport (python_http_client) builds a urllib
    opener, and with it a TLS context that loads the CA bundle, for every
    request; a drain of 100 batches paid that 100 times. This keeps one
    connection and one TLS context per process instead. A connection that sat
    idle longer than ``IDLE_SECONDS`` or that the server closed meanwhile
    (its socket turned readable) is replaced before the request, and a
    request that could not be written on a reused connection is written
    once more on a fresh one: in both cases nothing reached SendGrid, so
    nothing can be sent twice. Errors after the request went out close the
    connection and propagate (the caller treats them as unknown outcomes).
    """

    IDLE_SECONDS = 15.0

    def __init__(self, host: str, *, timeout: float) -> None:
        address = urllib.parse.urlsplit(host)
        if address.scheme not in ("http", "https") or not address.hostname:
            raise ValueError(f"not an http(s) URL: {host!r}")
        self.host, self.timeout = host, timeout
        self._address = address
        self._http: http.client.HTTPConnection | None = None
        self._idle_since = 0.0
        self.opened = 0  # connections made so far (tests and benchmarks read it)

    def post(
        self, path: str, body: bytes, headers: Mapping[str, str]
    ) -> tuple[int, Message, bytes]:
        """POST and read the whole answer: (status, headers, body)."""
        reused = self._usable()
        connection = self._open()
        url = self._address.path.rstrip("/") + path
        try:
            connection.request("POST", url, body, dict(headers))
        except (OSError, http.client.HTTPException) as error:
            self.close()
            if not reused:
                raise NotDelivered(error) from error
            connection = self._open()
            try:
                connection.request("POST", url, body, dict(headers))
            except (OSError, http.client.HTTPException) as again:
                self.close()
                raise NotDelivered(again) from again
        try:
            response = connection.getresponse()
            data = response.read()
        except BaseException:
            self.close()
            raise
        if response.will_close:
            self.close()
        else:
            self._idle_since = time.monotonic()
        return response.status, response.headers, data

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def _usable(self) -> bool:
        """Whether the open connection may carry the next request."""
        if self._http is None or self._http.sock is None:
            return False
        idle = time.monotonic() - self._idle_since
        # Readable while idle means the server closed it (or sent junk).
        if idle > self.IDLE_SECONDS or select.select([self._http.sock], [], [], 0)[0]:
            self.close()
            return False
        return True

    def _open(self) -> http.client.HTTPConnection:
        if self._http is not None and self._http.sock is not None:
            return self._http
        self.close()
        address = self._address
        connection: http.client.HTTPConnection
        if address.scheme == "https":
            connection = http.client.HTTPSConnection(
                address.hostname or "",
                address.port,
                timeout=self.timeout,
                context=_tls_context(),
            )
        else:
            connection = http.client.HTTPConnection(
                address.hostname or "", address.port, timeout=self.timeout
            )
        try:
            connection.connect()
        except OSError as error:
            connection.close()
            raise NotDelivered(error) from error
        self._http = connection
        self.opened += 1
        return connection


_local = threading.local()


def _connection(host: str, timeout: float) -> Connection:
    """This thread's connection to ``host``; a new one after a fork."""
    current: Connection | None = getattr(_local, "connection", None)
    pid = os.getpid()
    if (
        current is None
        or getattr(_local, "pid", None) != pid
        or (current.host, current.timeout) != (host, timeout)
    ):
        if current is not None and getattr(_local, "pid", None) == pid:
            current.close()
        current = Connection(host, timeout=timeout)
        _local.connection, _local.pid = current, pid
    return current


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One TLS context per process: loading the CA bundle takes tens of ms."""
    return ssl.create_default_context()


def _classify(
    status: int,
    headers: Message | Mapping[str, str] | None,
    body: bytes | None,
    *,
    attempt: int,
    now: float | None,
    rng: random.Random,
) -> Outcome:
    headers = headers or {}
    if 200 <= status < 300:
        return Outcome(
            Status.SENT, http_status=status, message_id=headers.get("X-Message-Id")
        )
    error = _error_text(body)
    errors = _errors(body)
    if status == 429:
        return Outcome(
            Status.RETRY,
            http_status=status,
            retry_after=_rate_limit_wait(headers, attempt, now, rng),
            error=error,
        )
    if status == 503:
        return Outcome(
            Status.RETRY,
            http_status=status,
            retry_after=_backoff(attempt, rng),
            error=error,
        )
    if status == 413:
        return Outcome(Status.SPLIT, http_status=status, error=error)
    if status >= 500:
        return Outcome(
            Status.UNKNOWN,
            http_status=status,
            retry_after=_backoff(attempt, rng),
            error=error,
        )
    return Outcome(Status.FAILED, http_status=status, error=error, errors=errors)


def _backoff(attempt: int, rng: random.Random) -> float:
    return backoff(attempt, base=RETRY_BASE_SECONDS, cap=RETRY_CAP_SECONDS, rng=rng)


def _rate_limit_wait(
    headers: Message | Mapping[str, str],
    attempt: int,
    now: float | None,
    rng: random.Random,
) -> float:
    # X-RateLimit-Reset is the epoch second at which the quota refills.
    try:
        reset = float(headers.get("X-RateLimit-Reset") or "")
    except ValueError:
        return _backoff(attempt, rng)
    return max(0.0, reset - (time.time() if now is None else now))


def _error_text(body: bytes | None, limit: int = 1000) -> str:
    """SendGrid's {"errors": [{"message", "field"}]} as one line of text."""
    if not body:
        return ""
    try:
        errors = json.loads(body)["errors"]
        text = "; ".join(
            f"{error['field']}: {error['message']}"
            if error.get("field")
            else str(error["message"])
            for error in errors
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        text = body.decode("utf-8", "replace")
    return text[:limit]


def _errors(body: bytes | None) -> tuple[ApiError, ...]:
    """SendGrid's error list; () when the body is not that JSON."""
    try:
        errors = json.loads(body or b"")["errors"]
        return tuple(
            ApiError(str(error["message"]), str(error.get("field") or ""))
            for error in errors
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return ()


def verify_webhook(
    *,
    public_key: str,
    payload: bytes,
    signature: str,
    timestamp: str,
    now: float,
    max_age: int = 300,
) -> bool:
    """True only if SendGrid signed ``timestamp + payload`` recently.

    ``public_key`` is the base64 key from SendGrid's Mail Settings (PEM armour
    optional), ``payload`` the raw request body exactly as received, and
    ``signature``/``timestamp`` the values of the
    X-Twilio-Email-Event-Webhook-Signature/-Timestamp headers. Pure; never
    raises: anything malformed, stale or from the future is simply False.
    """
    try:
        if not (timestamp.isascii() and timestamp.isdigit()):
            return False
        age = now - int(timestamp)
        if age > max_age or -age > WEBHOOK_CLOCK_SKEW_SECONDS:
            return False
        webhook = EventWebhook()
        key = webhook.convert_public_key_to_ecdsa(_strip_pem_armour(public_key))
        if not (
            isinstance(key, ec.EllipticCurvePublicKey)
            and isinstance(key.curve, ec.SECP256R1)
        ):
            return False
        return webhook.verify_signature(
            payload.decode("utf-8"), signature, timestamp, public_key=key
        )
    except Exception:  # noqa: BLE001
        # A verifier must fail closed: any parse error means "not SendGrid".
        return False


def _strip_pem_armour(key: str) -> str:
    lines = [line.strip() for line in key.strip().splitlines()]
    return "".join(line for line in lines if not line.startswith("-----"))
