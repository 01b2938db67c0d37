"""A local fake of SendGrid's ``POST /v3/mail/send``, for tests and benchmarks.

In tests::

    fake_sendgrid = fake_sendgrid_fixture()  # in a conftest or test module

    def test_x(fake_sendgrid):
        fake_sendgrid.plan([429, 202])
        send(payload, api_key=fake_sendgrid.api_key, host=fake_sendgrid.url, ...)

As a process (for benchmarks)::

    python -m tests.fakes.sendgrid_server --port 0
    # prints "listening on http://127.0.0.1:PORT"; serves until SIGTERM.
    # GET /__fake__/stats returns counts as JSON.

The fake checks the bearer key and the v3 payload rules our sender relies on,
refuses recipient addresses SendGrid refuses (`sendgrid_accepts`), answers
like SendGrid (202 with X-Message-Id, or 4xx/5xx with
{"errors": [{"message", "field", "help"}]}, where ``field`` names the culprit,
e.g. ``personalizations.3.to.0.email``; ``error_fields=False`` leaves it out),
records what it accepted, and can be scripted to fail. It also signs event-webhook payloads the way
SendGrid does (WebhookSigner).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import itertools
import json
import re
import signal
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any, NamedTuple, Self

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.fakes.http import ReplyingHandler

SEND_PATH = "/v3/mail/send"
STATS_PATH = "/__fake__/stats"
HANG = "hang"
# Accept the request (the recipients get it), then hang as HANG does: the
# delayed success, or a sender killed after SendGrid took its batch.
ACCEPT_HANG = "accept-hang"
DEFAULT_API_KEY = "SG.fake-key"
MAX_PERSONALIZATIONS = 1000
MAX_RECIPIENTS = 1000
MAX_CATEGORIES = 10
MAX_CUSTOM_ARGS_BYTES = 10_000
DEFAULT_MAX_BODY_BYTES = 30 * 1024 * 1024  # SendGrid's 30 MB message limit.
RESERVED_HEADERS = frozenset(
    {
        "x-sg-id",
        "x-sg-eid",
        "received",
        "dkim-signature",
        "content-type",
        "content-transfer-encoding",
        "to",
        "from",
        "subject",
        "reply-to",
        "cc",
        "bcc",
    }
)
# SendGrid rejects ";" in content and attachment types, except the method
# parameter of text/calendar (sendgrid/sendgrid-ruby#298).
_CALENDAR_TYPE = re.compile(
    r"text/calendar; ?method=(REQUEST|PUBLISH|CANCEL)", re.IGNORECASE
)
_ERROR_MESSAGES = {
    400: "Bad Request",
    401: "The provided authorization grant is invalid, expired, or revoked",
    403: "access forbidden",
    404: "Not Found",
    413: "Payload Too Large",
    429: "too many requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass(frozen=True)
class Reply:
    """A scripted answer: an HTTP status or HANG, with optional extras."""

    status: int | str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None


class Attempt(NamedTuple):
    path: str
    status: int | str
    body_bytes: int


class AcceptedMessage(NamedTuple):
    email: str
    subject: str | None
    custom_args: dict[str, str]
    headers: dict[str, str]


class FakeSendGrid:
    """Threaded fake SendGrid bound to a free port on 127.0.0.1.

    ``api_key=None`` accepts any bearer key. ``max_body_bytes`` triggers 413.
    ``hang_seconds`` is how long a HANG reply holds the connection before
    dropping it (stop() cuts it short). ``record=False`` keeps only counts,
    for long benchmarks. ``error_fields=False`` answers errors without their
    ``field``, so a client cannot tell which recipient was refused.
    ``keepalive_seconds`` is how long an idle kept-alive connection stays
    open before the fake closes it.
    """

    def __init__(
        self,
        *,
        api_key: str | None = DEFAULT_API_KEY,
        host: str = "127.0.0.1",
        port: int = 0,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        hang_seconds: float = 30.0,
        record: bool = True,
        error_fields: bool = True,
        keepalive_seconds: float = 60.0,
    ) -> None:
        self.api_key = api_key
        self.error_fields = error_fields
        self.keepalive_seconds = keepalive_seconds
        self.max_body_bytes = max_body_bytes
        self.hang_seconds = hang_seconds
        self.record = record
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._httpd = _HTTPServer((host, port), _Handler)
        self._httpd.fake = self
        self.reset()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Self:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-sendgrid",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # Wakes handlers parked in a HANG.
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
        self._httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # Scripting -----------------------------------------------------------

    def plan(self, replies: Iterable[int | str | Reply]) -> None:
        """Queue replies for the next requests; 202 means "process normally".

        Once the queue is empty every request is processed normally.
        """
        with self._lock:
            self._plan.extend(r if isinstance(r, Reply) else Reply(r) for r in replies)

    def fail_recipient(self, email: str) -> None:
        """Answer 400 to every request that addresses ``email``."""
        with self._lock:
            self._failing.add(email.lower())

    def reset(self) -> None:
        with self._lock:
            self._plan: deque[Reply] = deque()
            self._failing: set[str] = set()
            self._requests: list[dict] = []
            self._attempts: list[Attempt] = []
            self._statuses: Counter[str] = Counter()
            self._accepted_personalizations = 0
            self._connections = 0
            self._message_ids = itertools.count(1)

    # Inspection ----------------------------------------------------------

    @property
    def requests(self) -> list[dict]:
        """Parsed JSON of every accepted request, oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def attempts(self) -> list[Attempt]:
        """Every POST, accepted or not, oldest first."""
        with self._lock:
            return list(self._attempts)

    def accepted_messages(self) -> list[AcceptedMessage]:
        """One entry per recipient (to, cc, bcc) of every accepted request.

        Subject, custom_args and headers are what that recipient gets: the
        personalization's values over the request's.
        """
        messages = []
        for payload in self.requests:
            for p in payload["personalizations"]:
                subject = p.get("subject", payload.get("subject"))
                custom_args = {
                    **payload.get("custom_args", {}),
                    **p.get("custom_args", {}),
                }
                headers = {**payload.get("headers", {}), **p.get("headers", {})}
                for kind in ("to", "cc", "bcc"):
                    for address in p.get(kind, ()):
                        messages.append(
                            AcceptedMessage(
                                address["email"], subject, custom_args, headers
                            )
                        )
        return messages

    @property
    def connections(self) -> int:
        """TCP connections accepted so far."""
        with self._lock:
            return self._connections

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "connections": self._connections,
                "attempts": sum(self._statuses.values()),
                "accepted_requests": self._statuses["202"],
                "accepted_personalizations": self._accepted_personalizations,
                "statuses": dict(self._statuses),
            }

    # Request handling (called on handler threads) ------------------------

    def _handle_post(self, handler: _Handler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = _read_body(handler, length, self.max_body_bytes)
        if handler.path != SEND_PATH:
            self._respond(handler, length, _error_reply(404))
            return
        with self._lock:
            planned = self._plan.popleft() if self._plan else None
        if planned is not None and planned.status not in (202, ACCEPT_HANG):
            self._respond(handler, length, planned)
            return
        reply, payload = self._process(handler, body)
        if payload is not None:
            with self._lock:
                message_id = f"fake-msg-{next(self._message_ids)}"
                if self.record:
                    self._requests.append(payload)
                self._accepted_personalizations += len(payload["personalizations"])
            reply = Reply(202, {"X-Message-Id": message_id}, b"")
            if planned is not None and planned.status == ACCEPT_HANG:
                reply = Reply(HANG)
        self._respond(handler, length, reply)

    def processed_events(self) -> list[dict]:
        """SendGrid's `processed` webhook event for every recipient it accepted."""
        return [
            {
                "email": m.email,
                "event": "processed",
                "sg_event_id": f"fake-processed-{n}",
                "timestamp": int(time.time()),
                **m.custom_args,
            }
            for n, m in enumerate(self.accepted_messages())
        ]

    def _process(
        self, handler: _Handler, body: bytes | None
    ) -> tuple[Reply, dict | None]:
        if body is None:
            return _error_reply(413), None
        authorization = handler.headers.get("Authorization", "")
        scheme, _, key = authorization.partition(" ")
        if scheme != "Bearer" or not key or key != (self.api_key or key):
            return _error_reply(401), None
        try:
            payload = json.loads(body)
        except ValueError:
            return _error_reply(400, [_error("Invalid JSON in request body.")]), None
        errors = validate_payload(payload) or self._failing_recipients(payload)
        if errors:
            if not self.error_fields:
                errors = [{**error, "field": None} for error in errors]
            return _error_reply(400, errors), None
        return Reply(202), payload

    def _failing_recipients(self, payload: dict) -> list[dict]:
        with self._lock:
            failing = set(self._failing)
        if not failing:
            return []
        return [
            _error("Does not contain a valid address.", f"{where}.email")
            for where, email in _addresses(payload["personalizations"])
            if email.lower() in failing
        ]

    def _respond(self, handler: _Handler, length: int, reply: Reply) -> None:
        with self._lock:
            self._statuses[str(reply.status)] += 1
            self._attempts.append(Attempt(handler.path, reply.status, length))
        if reply.status == HANG:
            # Outlast the client's timeout, then drop the connection unanswered.
            self._stopping.wait(self.hang_seconds)
            handler.close_connection = True
            return
        if reply.body is None:
            reply = _error_reply(int(reply.status), headers=reply.headers)
        headers = dict(reply.headers)
        if reply.status == 429:
            headers.setdefault("X-RateLimit-Limit", "600")
            headers.setdefault("X-RateLimit-Remaining", "0")
            headers.setdefault("X-RateLimit-Reset", str(int(time.time()) + 1))
        handler.send_reply(int(reply.status), headers, reply.body or b"")


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # Don't let stop() wait for idle keep-alive connections of a benchmark.
    block_on_close = False
    request_queue_size = 128
    fake: FakeSendGrid


class _Handler(ReplyingHandler):  # keep-alive for benchmark clients
    server_version = "FakeSendGrid/1.0"
    server: _HTTPServer

    def setup(self) -> None:
        fake = self.server.fake
        # Close idle keep-alive connections eventually.
        self.timeout = fake.keepalive_seconds
        with fake._lock:
            fake._connections += 1
        super().setup()

    def do_POST(self) -> None:
        self.server.fake._handle_post(self)

    def do_GET(self) -> None:
        if self.path == STATS_PATH:
            body = json.dumps(self.server.fake.stats()).encode()
            self.send_reply(200, {"Content-Type": "application/json"}, body)
        else:
            reply = _error_reply(404)
            self.send_reply(404, dict(reply.headers), reply.body or b"")


def _read_body(handler: _Handler, length: int, limit: int) -> bytes | None:
    """Read the whole body; None if it exceeds ``limit`` (drained, not kept).

    Draining matters: answering 413 before the client has finished writing
    would turn the 413 into a broken pipe on the client side.
    """
    if length <= limit:
        return handler.rfile.read(length)
    remaining = length
    while remaining > 0:
        chunk = handler.rfile.read(min(remaining, 1 << 20))
        if not chunk:
            break
        remaining -= len(chunk)
    return None


def _error(message: str, field: str | None = None) -> dict[str, Any]:
    return {"message": message, "field": field, "help": None}


def _error_reply(
    status: int,
    errors: list[dict] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Reply:
    errors = errors or [_error(_ERROR_MESSAGES.get(status, "Error"))]
    body = json.dumps({"errors": errors}).encode()
    return Reply(status, {"Content-Type": "application/json", **(headers or {})}, body)


# Payload validation ------------------------------------------------------


def validate_payload(payload: Any) -> list[dict[str, Any]]:
    """The v3 mail-send rules this fake enforces, as SendGrid-style errors."""
    if not isinstance(payload, dict):
        return [_error("The request body must be a JSON object.")]
    errors: list[dict[str, Any]] = []
    _check_from(payload.get("from"), errors)
    _check_personalizations(payload, errors)
    _check_content(payload.get("content"), errors)
    _check_attachments(payload.get("attachments"), errors)
    _check_string_map(payload.get("headers"), "headers", errors, headers=True)
    _check_string_map(payload.get("custom_args"), "custom_args", errors)
    categories = payload.get("categories")
    if categories is not None and not (
        isinstance(categories, list)
        and len(categories) <= MAX_CATEGORIES
        and all(isinstance(c, str) and c for c in categories)
    ):
        errors.append(
            _error("Categories must be a list of at most 10 strings.", "categories")
        )
    reply_to = payload.get("reply_to")
    if reply_to is not None and not _valid_address(reply_to):
        errors.append(_error("Does not contain a valid address.", "reply_to.email"))
    return errors


def _check_from(sender: Any, errors: list[dict]) -> None:
    if not _valid_address(sender):
        errors.append(
            _error(
                "The from object must be provided for every email send. It is an "
                "object that requires the email parameter, but may also contain "
                "a name parameter.",
                "from.email",
            )
        )


def _check_personalizations(payload: dict, errors: list[dict]) -> None:
    personalizations = payload.get("personalizations")
    if not isinstance(personalizations, list) or not personalizations:
        errors.append(
            _error(
                "The personalizations field is required and must have at least "
                "one personalization.",
                "personalizations",
            )
        )
        return
    if len(personalizations) > MAX_PERSONALIZATIONS:
        errors.append(
            _error(
                "You may not have more than 1000 personalizations per request.",
                "personalizations",
            )
        )
    recipients = 0
    every_personalization_has_subject = True
    for i, p in enumerate(personalizations):
        where = f"personalizations.{i}"
        if not isinstance(p, dict):
            errors.append(_error("A personalization must be an object.", where))
            continue
        recipients += _check_recipients(p, where, errors)
        if not _non_empty_string(p.get("subject")):
            every_personalization_has_subject = False
        _check_string_map(p.get("headers"), f"{where}.headers", errors, headers=True)
        _check_string_map(p.get("substitutions"), f"{where}.substitutions", errors)
        _check_string_map(p.get("custom_args"), f"{where}.custom_args", errors)
    if recipients > MAX_RECIPIENTS:
        errors.append(
            _error(
                "The total number of recipients must be no more than 1000, "
                "counting to, cc and bcc across all personalizations.",
                "personalizations",
            )
        )
    if not (
        _non_empty_string(payload.get("subject")) or every_personalization_has_subject
    ):
        errors.append(
            _error(
                "The subject is required. You can get around this requirement if "
                "you use a template with a subject defined or if every "
                "personalization has a subject defined.",
                "subject",
            )
        )


def _check_recipients(p: dict, where: str, errors: list[dict]) -> int:
    to = p.get("to")
    if not isinstance(to, list) or not to:
        errors.append(
            _error(
                "The to array is required for all personalization objects, and "
                "must have at least one email object with a valid email address.",
                f"{where}.to",
            )
        )
    seen: set[str] = set()
    count = 0
    for kind in ("to", "cc", "bcc"):
        addresses = p.get(kind)
        if addresses is None:
            continue
        if not isinstance(addresses, list):
            errors.append(_error(f"The {kind} field must be an array.", where))
            continue
        for j, address in enumerate(addresses):
            count += 1
            if not _valid_address(address) or not sendgrid_accepts(address["email"]):
                errors.append(
                    _error(
                        "Does not contain a valid address.",
                        f"{where}.{kind}.{j}.email",
                    )
                )
                continue
            email = address["email"].lower()
            if email in seen:
                errors.append(
                    _error(
                        "Each email address in the personalization block should be "
                        "unique between to, cc, and bcc.",
                        f"{where}.{kind}.{j}.email",
                    )
                )
            seen.add(email)
    return count


def _check_content(content: Any, errors: list[dict]) -> None:
    if not isinstance(content, list) or not content:
        errors.append(
            _error(
                "Unless a valid template_id is provided, the content parameter is "
                "required. There must be at least one defined content block.",
                "content",
            )
        )
        return
    types = []
    for j, part in enumerate(content):
        if not isinstance(part, dict):
            errors.append(_error("A content block must be an object.", f"content.{j}"))
            types.append(None)
            continue
        mime_type, value = part.get("type"), part.get("value")
        if not (isinstance(mime_type, str) and mime_type):
            errors.append(
                _error(
                    "The content type must be a string at least one character in "
                    "length.",
                    f"content.{j}.type",
                )
            )
        elif not _valid_mime_type(mime_type):
            errors.append(
                _error(
                    "The content type cannot contain ';', or CRLF characters.",
                    f"content.{j}.type",
                )
            )
        if not (isinstance(value, str) and value):
            errors.append(
                _error(
                    "The content value must be a string at least one character in "
                    "length.",
                    f"content.{j}.value",
                )
            )
        types.append(mime_type.lower() if isinstance(mime_type, str) else None)
    expected = [t for t in ("text/plain", "text/html") if t in types]
    if types[: len(expected)] != expected:
        errors.append(
            _error(
                "If present, text/plain and text/html may only be provided in "
                "order, plain then html, and before any other content type.",
                "content",
            )
        )


def _check_attachments(attachments: Any, errors: list[dict]) -> None:
    if attachments is None:
        return
    if not isinstance(attachments, list):
        errors.append(_error("Attachments must be an array.", "attachments"))
        return
    for k, attachment in enumerate(attachments):
        where = f"attachments.{k}"
        if not isinstance(attachment, dict):
            errors.append(_error("An attachment must be an object.", where))
            continue
        content = attachment.get("content")
        if not (isinstance(content, str) and content and _is_base64(content)):
            errors.append(
                _error(
                    "The attachment content is required and must be base64 encoded.",
                    f"{where}.content",
                )
            )
        filename = attachment.get("filename")
        if not (isinstance(filename, str) and filename):
            errors.append(
                _error("The attachment filename is required.", f"{where}.filename")
            )
        mime_type = attachment.get("type")
        if mime_type is not None and not (
            isinstance(mime_type, str) and _valid_mime_type(mime_type)
        ):
            errors.append(
                _error(
                    "The attachment type cannot contain ';', or CRLF characters.",
                    f"{where}.type",
                )
            )
        if attachment.get("disposition", "attachment") not in ("attachment", "inline"):
            errors.append(
                _error(
                    "The disposition must be attachment or inline.",
                    f"{where}.disposition",
                )
            )


def _check_string_map(
    value: Any, where: str, errors: list[dict], *, headers: bool = False
) -> None:
    if value is None:
        return
    if not isinstance(value, dict):
        errors.append(_error("Invalid type. Expected: object.", where))
        return
    for key, item in value.items():
        if not isinstance(item, str):
            given = "null" if item is None else type(item).__name__
            errors.append(
                _error(
                    f"Invalid type. Expected: string, given: {given}.",
                    f"{where}.{key}",
                )
            )
        if headers and key.lower() in RESERVED_HEADERS:
            errors.append(_error(f"The header {key} is reserved.", f"{where}.{key}"))
    if where.endswith("custom_args") and (
        len(json.dumps(value).encode()) >= MAX_CUSTOM_ARGS_BYTES
    ):
        errors.append(
            _error(
                "The total length of custom arguments must be less than 10000 bytes.",
                where,
            )
        )


def _non_empty_string(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _valid_address(address: Any) -> bool:
    if not isinstance(address, dict):
        return False
    email = address.get("email")
    if not isinstance(email, str):
        return False
    local, at, domain = email.rpartition("@")
    return bool(local and at and "." in domain) and not any(c.isspace() for c in email)


# SendGrid's published syntax for an address: a local part of letters, digits
# and !#$%&'*+-/=?^_`{|}~ with single inner dots (no quoted local parts), at
# most 64 octets; a domain of at least two labels of letters, digits and inner
# hyphens (IDNA for others), no address literal; 254 octets in all.
_SENDGRID_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_SENDGRID_LOCAL = re.compile(rf"{_SENDGRID_ATOM}(\.{_SENDGRID_ATOM})*")
_SENDGRID_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


def sendgrid_accepts(email: str) -> bool:
    """Whether SendGrid takes ``email`` as a recipient (its documented rule)."""
    local, at, domain = email.rpartition("@")
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    labels = ascii_domain.split(".")
    return (
        bool(at)
        and _SENDGRID_LOCAL.fullmatch(local) is not None
        and len(local.encode()) <= 64
        and len(labels) >= 2
        and all(_SENDGRID_LABEL.fullmatch(label) for label in labels)
        and not labels[-1].isdigit()
        and len(local.encode()) + 1 + len(ascii_domain) <= 254
    )


def _valid_mime_type(mime_type: str) -> bool:
    if "\r" in mime_type or "\n" in mime_type:
        return False
    return ";" not in mime_type or bool(_CALENDAR_TYPE.fullmatch(mime_type))


def _is_base64(text: str) -> bool:
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _addresses(personalizations: list[dict]) -> Iterator[tuple[str, str]]:
    for i, p in enumerate(personalizations):
        for kind in ("to", "cc", "bcc"):
            for j, address in enumerate(p.get(kind, ())):
                yield f"personalizations.{i}.{kind}.{j}", address["email"]


# Event webhook signing ---------------------------------------------------


@dataclass(frozen=True)
class WebhookSigner:
    """Signs event-webhook payloads as SendGrid does (ECDSA P-256, SHA-256)."""

    private_key: ec.EllipticCurvePrivateKey

    @classmethod
    def generate(cls) -> WebhookSigner:
        return cls(ec.generate_private_key(ec.SECP256R1()))

    @property
    def public_key(self) -> str:
        """The verification key as SendGrid's Mail Settings show it."""
        der = self.private_key.public_key().public_bytes(
            serialization.Encoding.DER,
            serialization.PublicFormat.SubjectPublicKeyInfo,
        )
        return base64.b64encode(der).decode("ascii")

    def sign(self, payload: bytes, timestamp: str) -> str:
        signature = self.private_key.sign(
            timestamp.encode() + payload, ec.ECDSA(hashes.SHA256())
        )
        return base64.b64encode(signature).decode("ascii")

    def headers(self, payload: bytes, timestamp: str) -> dict[str, str]:
        return {
            "X-Twilio-Email-Event-Webhook-Signature": self.sign(payload, timestamp),
            "X-Twilio-Email-Event-Webhook-Timestamp": timestamp,
        }


# Pytest and command-line entry points ------------------------------------


def fake_sendgrid_fixture(
    *, name: str = "fake_sendgrid", scope: str = "function", **options: Any
) -> Callable[..., Iterator[FakeSendGrid]]:
    """Build a pytest fixture yielding a running FakeSendGrid.

    In a conftest: ``fake_sendgrid = fake_sendgrid_fixture()``. ``options``
    go to FakeSendGrid (api_key, max_body_bytes, hang_seconds, record).
    """
    import pytest  # Only needed here; the CLI runs without pytest.

    @pytest.fixture(name=name, scope=scope)
    def _fixture() -> Iterator[FakeSendGrid]:
        with FakeSendGrid(**options) as server:
            yield server

    return _fixture


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fakes.sendgrid_server",
        description="Serve a fake SendGrid /v3/mail/send until SIGTERM.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument(
        "--api-key", default=None, help="required bearer key (default: any)"
    )
    parser.add_argument("--max-body-bytes", type=int, default=DEFAULT_MAX_BODY_BYTES)
    parser.add_argument("--hang-seconds", type=float, default=30.0)
    parser.add_argument(
        "--plan", default="", help="comma-separated replies, e.g. 429,503,hang"
    )
    parser.add_argument(
        "--record", action="store_true", help="keep accepted payloads in memory"
    )
    parser.add_argument(
        "--no-error-fields",
        action="store_true",
        help="leave the field (which recipient) out of error answers",
    )
    args = parser.parse_args(argv)
    server = FakeSendGrid(
        api_key=args.api_key,
        host=args.host,
        port=args.port,
        max_body_bytes=args.max_body_bytes,
        hang_seconds=args.hang_seconds,
        record=args.record,
        error_fields=not args.no_error_fields,
    )
    server.plan(
        item if item in (HANG, ACCEPT_HANG) else int(item)
        for item in args.plan.split(",")
        if item
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with server:
        print(f"listening on {server.url}", flush=True)
        while not stop.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
