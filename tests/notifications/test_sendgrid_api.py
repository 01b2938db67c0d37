import base64
import json
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from notifications.sendgrid_api import (
    UNSUBSCRIBE_TOKEN,
    ApiError,
    Attachment,
    Outcome,
    Recipient,
    Status,
    backoff,
    build_payload,
    encode,
    send,
    verify_webhook,
)
from tests.fakes.sendgrid_server import (
    DEFAULT_API_KEY,
    AcceptedMessage,
    FakeSendGrid,
    Reply,
    WebhookSigner,
    fake_sendgrid_fixture,
)

fake_sendgrid = fake_sendgrid_fixture(hang_seconds=5.0)

ROOT = Path(__file__).resolve().parents[2]
NOW = 1_700_000_000.0
ICS = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
UNSUBSCRIBE_HEADERS = {
    "List-Unsubscribe": "<https://meetings.example/u/1>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
}


class FixedRandom(random.Random):
    """An rng whose random() is fixed, so jittered delays are exact."""

    def __init__(self, value: float) -> None:
        super().__init__()
        self.value = value

    def random(self) -> float:
        return self.value


def _recipients(count: int) -> list[Recipient]:
    return [
        Recipient(
            f"member{i}@example.com",
            delivery_id=i,
            unsubscribe_url=f"https://meetings.example/u/{i}",
        )
        for i in range(1, count + 1)
    ]


def _payload(count: int = 1, **overrides) -> dict:
    arguments = {
        "from_email": "hello@meetings.example",
        "subject": "Next meetup",
        "text": f"See you there. Unsubscribe: {UNSUBSCRIBE_TOKEN}",
        "html": f'<p>See you there.</p><a href="{UNSUBSCRIBE_TOKEN}">Unsubscribe</a>',
        "personalizations": _recipients(count),
    }
    return build_payload(**(arguments | overrides))


def _send(server: FakeSendGrid, payload: dict, **options) -> Outcome:
    options = {"api_key": DEFAULT_API_KEY, "timeout": 2.0, "now": NOW} | options
    return send(payload, host=server.url, **options)


# build_payload ------------------------------------------------------------


def test_build_payload_one_personalization_per_recipient():
    recipients = [
        Recipient("ann@example.com", delivery_id=7, name="Ann Lee"),
        Recipient("bob@example.com", delivery_id=8),
    ]

    payload = build_payload(
        from_email="hello@meetings.example",
        subject="Hi",
        text="Hello",
        personalizations=recipients,
    )

    assert payload["personalizations"] == [
        {
            "to": [{"email": "ann@example.com", "name": "Ann Lee"}],
            "custom_args": {"delivery_id": "7"},
        },
        {"to": [{"email": "bob@example.com"}], "custom_args": {"delivery_id": "8"}},
    ]


def test_build_payload_carries_unsubscribe_url_per_recipient():
    payload = _payload(count=2)

    assert [p["substitutions"] for p in payload["personalizations"]] == [
        {UNSUBSCRIBE_TOKEN: "https://meetings.example/u/1"},
        {UNSUBSCRIBE_TOKEN: "https://meetings.example/u/2"},
    ]
    assert payload["personalizations"][0]["headers"] == UNSUBSCRIBE_HEADERS


def test_build_payload_message_level_fields():
    payload = _payload(
        from_name="Meetings",
        reply_to="organizers@meetings.example",
        categories=["bulk_message"],
        headers={"X-Entity-Ref-ID": "mailing-4"},
        attachments=[Attachment("agenda.txt", b"1. Talks", "text/plain")],
    )

    assert payload["from"] == {"email": "hello@meetings.example", "name": "Meetings"}
    assert payload["reply_to"] == {"email": "organizers@meetings.example"}
    assert payload["categories"] == ["bulk_message"]
    assert payload["headers"] == {"X-Entity-Ref-ID": "mailing-4"}
    assert payload["attachments"] == [
        {
            "content": base64.b64encode(b"1. Talks").decode(),
            "filename": "agenda.txt",
            "type": "text/plain",
            "disposition": "attachment",
        }
    ]


def test_build_payload_calendar_follows_html_and_is_attached():
    payload = _payload(calendar=ICS)

    assert [part["type"] for part in payload["content"]] == [
        "text/plain",
        "text/html",
        "text/calendar; method=REQUEST",
    ]
    assert payload["content"][2]["value"] == ICS
    assert payload["attachments"] == [
        {
            "content": base64.b64encode(ICS.encode()).decode(),
            "filename": "invite.ics",
            "type": "application/ics",
            "disposition": "attachment",
        }
    ]


def test_build_payload_strips_separators_sendgrid_rejects_in_names():
    recipient = Recipient("ann@example.com", delivery_id=1, name="Lee, Ann; PhD")

    payload = build_payload(
        from_email="a@example.com", subject="s", text="t", personalizations=[recipient]
    )

    assert payload["personalizations"][0]["to"] == [
        {"email": "ann@example.com", "name": "Lee Ann PhD"}
    ]


@pytest.mark.parametrize("count", [0, 1001])
def test_build_payload_rejects_recipient_counts_outside_1_to_1000(count):
    with pytest.raises(ValueError, match=f"got {count}"):
        _payload(count=count)


def test_build_payload_rejects_unsubscribe_url_missing_from_body():
    with pytest.raises(ValueError, match="neither body contains"):
        _payload(text="No link here", html="")


def test_build_payload_rejects_token_without_unsubscribe_url():
    recipient = Recipient("ann@example.com", delivery_id=1)

    with pytest.raises(ValueError, match="has no unsubscribe URL"):
        _payload(personalizations=[recipient])


def test_build_payload_rejects_header_breaking_unsubscribe_url():
    recipient = Recipient("a@example.com", 1, unsubscribe_url="https://x/\r\nBcc: b")

    with pytest.raises(ValueError, match="unsafe characters"):
        _payload(personalizations=[recipient])


# send against the fake -------------------------------------------------------


def test_send_accepted_returns_sent_with_message_id(fake_sendgrid):
    outcome = _send(fake_sendgrid, _payload())

    assert outcome == Outcome(Status.SENT, http_status=202, message_id="fake-msg-1")
    assert fake_sendgrid.accepted_messages() == [
        AcceptedMessage(
            "member1@example.com",
            "Next meetup",
            {"delivery_id": "1"},
            UNSUBSCRIBE_HEADERS,
        )
    ]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (400, Status.FAILED),
        (401, Status.FAILED),
        (403, Status.FAILED),
        (413, Status.SPLIT),
        (429, Status.RETRY),
        (500, Status.UNKNOWN),
        (502, Status.UNKNOWN),
        (503, Status.RETRY),
        (504, Status.UNKNOWN),
    ],
)
def test_send_classifies_status(fake_sendgrid, status, expected):
    fake_sendgrid.plan([status])

    outcome = _send(fake_sendgrid, _payload())

    assert (outcome.status, outcome.http_status) == (expected, status)
    assert fake_sendgrid.requests == []


def test_send_failed_carries_sendgrid_error_text(fake_sendgrid):
    outcome = _send(fake_sendgrid, _payload(), api_key="SG.wrong")

    message = "The provided authorization grant is invalid, expired, or revoked"
    assert outcome == Outcome(
        Status.FAILED, http_status=401, error=message, errors=(ApiError(message),)
    )


def test_send_after_planned_429_is_accepted(fake_sendgrid):
    fake_sendgrid.plan([429, 202])

    first = _send(fake_sendgrid, _payload())
    second = _send(fake_sendgrid, _payload())

    assert (first.status, second.status) == (Status.RETRY, Status.SENT)
    assert [a.status for a in fake_sendgrid.attempts] == [429, 202]


def test_send_429_waits_until_rate_limit_reset(fake_sendgrid):
    reset = {"X-RateLimit-Reset": str(int(NOW) + 30)}
    fake_sendgrid.plan([Reply(429, headers=reset)])

    outcome = _send(fake_sendgrid, _payload())

    assert outcome.retry_after == 30.0


def test_send_429_without_reset_header_backs_off(fake_sendgrid):
    fake_sendgrid.plan([Reply(429, headers={"X-RateLimit-Reset": ""})])

    outcome = _send(fake_sendgrid, _payload(), attempt=2, rng=FixedRandom(0.0))

    assert outcome.retry_after == 4.0  # Half of 2 s * 2**2.


def test_send_hang_is_unknown_after_timeout(fake_sendgrid):
    fake_sendgrid.plan(["hang"])
    started = time.monotonic()

    outcome = _send(fake_sendgrid, _payload(), timeout=0.5)

    assert outcome.status == Status.UNKNOWN
    assert outcome.http_status is None
    assert 0.5 <= time.monotonic() - started < 1.5


def test_send_connection_refused_is_retry():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    outcome = send(
        _payload(),
        api_key="k",
        host=f"http://127.0.0.1:{port}",
        timeout=1.0,
        rng=FixedRandom(0.0),
    )

    assert (outcome.status, outcome.http_status) == (Status.RETRY, None)
    assert outcome.retry_after == 1.0
    assert "Connection refused" in outcome.error


def test_send_1000_personalizations_is_one_accepted_request(fake_sendgrid):
    outcome = _send(fake_sendgrid, _payload(count=1000))

    assert outcome.status == Status.SENT
    assert len(fake_sendgrid.requests) == 1
    messages = fake_sendgrid.accepted_messages()
    assert [m.email for m in messages] == [
        f"member{i}@example.com" for i in range(1, 1001)
    ]
    unsubscribe_urls = {m.headers["List-Unsubscribe"] for m in messages}
    assert len(unsubscribe_urls) == 1000


def test_fake_rejects_1001_personalizations(fake_sendgrid):
    payload = _payload(count=1000)
    payload["personalizations"].append({"to": [{"email": "extra@example.com"}]})

    outcome = _send(fake_sendgrid, payload)

    assert (outcome.status, outcome.http_status) == (Status.FAILED, 400)
    assert outcome.error.startswith("personalizations: You may not have more than 1000")
    assert fake_sendgrid.requests == []


def test_fake_rejects_more_than_1000_recipients_across_to_and_cc(fake_sendgrid):
    payload = _payload(count=501)
    for i, personalization in enumerate(payload["personalizations"]):
        personalization["cc"] = [{"email": f"cc{i}@example.com"}]

    outcome = _send(fake_sendgrid, payload)

    assert outcome.error == (
        "personalizations: The total number of recipients must be no more than "
        "1000, counting to, cc and bcc across all personalizations."
    )


def test_fake_rejects_html_before_plain_text(fake_sendgrid):
    payload = _payload()
    payload["content"].reverse()

    outcome = _send(fake_sendgrid, payload)

    assert outcome.status == Status.FAILED
    assert outcome.error == (
        "content: If present, text/plain and text/html may only be provided in "
        "order, plain then html, and before any other content type."
    )


def test_fake_accepts_calendar_part_after_html(fake_sendgrid):
    outcome = _send(fake_sendgrid, _payload(calendar=ICS))

    assert outcome.status == Status.SENT


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda p: p["personalizations"][0]["custom_args"].update(n=1), "n"),
        (lambda p: p["personalizations"][0]["headers"].update(To="x"), "To"),
        (lambda p: p["from"].pop("email"), "from.email"),
        (lambda p: p.pop("subject"), "subject"),
        (lambda p: p["personalizations"][0].pop("to"), "personalizations.0.to"),
    ],
)
def test_fake_rejects_invalid_payload_fields(fake_sendgrid, mutate, field):
    payload = _payload()
    mutate(payload)

    outcome = _send(fake_sendgrid, payload)

    assert outcome.status == Status.FAILED
    assert outcome.error.split(":")[0].endswith(field)


def test_fake_accepts_subject_in_every_personalization(fake_sendgrid):
    payload = _payload(count=2)
    del payload["subject"]
    for i, personalization in enumerate(payload["personalizations"]):
        personalization["subject"] = f"Hi {i}"

    outcome = _send(fake_sendgrid, payload)

    assert outcome.status == Status.SENT
    assert [m.subject for m in fake_sendgrid.accepted_messages()] == ["Hi 0", "Hi 1"]


def test_fake_answers_413_above_max_body_bytes():
    with FakeSendGrid(max_body_bytes=10_000) as server:
        outcome = _send(server, _payload(count=100))

    assert (outcome.status, outcome.http_status) == (Status.SPLIT, 413)


def test_fake_fails_requests_addressing_a_failing_recipient(fake_sendgrid):
    fake_sendgrid.fail_recipient("Member2@example.com")

    outcome = _send(fake_sendgrid, _payload(count=3))

    assert outcome.error == (
        "personalizations.1.to.0.email: Does not contain a valid address."
    )
    assert fake_sendgrid.requests == []


def test_fake_runs_as_a_process_until_sigterm():
    command = [sys.executable, "-m", "tests.fakes.sendgrid_server", "--port", "0"]
    with subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, text=True
    ) as process:
        try:
            line = process.stdout.readline().strip()
            url = line.removeprefix("listening on ")
            outcome = send(_payload(count=2), api_key="any", host=url, timeout=2.0)
            with urllib.request.urlopen(f"{url}/__fake__/stats", timeout=2) as response:
                stats = json.load(response)
        finally:
            process.send_signal(signal.SIGTERM)
            exit_code = process.wait(timeout=5)

    assert line.startswith("listening on http://127.0.0.1:")
    assert outcome.status == Status.SENT
    assert stats["accepted_personalizations"] == 2
    assert exit_code == 0


# backoff --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attempt", "value", "expected"),
    [(0, 0.0, 1.0), (0, 0.5, 1.5), (2, 0.0, 4.0), (3, 0.0, 5.0), (500, 0.5, 7.5)],
)
def test_backoff_doubles_with_jitter_up_to_cap(attempt, value, expected):
    delay = backoff(attempt, base=2.0, cap=10.0, rng=FixedRandom(value))

    assert delay == expected


def test_backoff_stays_within_half_and_full_ceiling():
    rng = random.Random(1)

    delays = [backoff(a, base=1.0, cap=60.0, rng=rng) for a in range(12)]

    ceilings = [min(60.0, 2.0**a) for a in range(12)]
    assert all(c / 2 <= d < c for d, c in zip(delays, ceilings, strict=True))


# verify_webhook ---------------------------------------------------------------

EVENTS = b'[{"email":"a@example.com","event":"delivered","delivery_id":"7"}]'
STAMP = str(int(NOW))


@pytest.fixture(scope="module")
def signer():
    return WebhookSigner.generate()


def _verify(signer, *, payload=EVENTS, timestamp=STAMP, now=NOW, **overrides):
    arguments = {
        "public_key": signer.public_key,
        "payload": payload,
        "signature": signer.sign(EVENTS, STAMP),
        "timestamp": timestamp,
        "now": now,
    }
    return verify_webhook(**(arguments | overrides))


def test_verify_webhook_accepts_sendgrid_signature(signer):
    assert _verify(signer) is True


def test_verify_webhook_accepts_pem_armoured_key(signer):
    pem = f"-----BEGIN PUBLIC KEY-----\n{signer.public_key}\n-----END PUBLIC KEY-----"

    assert _verify(signer, public_key=pem) is True


def test_verify_webhook_accepts_timestamp_exactly_max_age_old(signer):
    assert _verify(signer, now=NOW + 300) is True


def test_verify_webhook_rejects_tampered_payload(signer):
    assert _verify(signer, payload=EVENTS.replace(b"delivered", b"bounce")) is False


def test_verify_webhook_rejects_other_key(signer):
    assert _verify(signer, public_key=WebhookSigner.generate().public_key) is False


def test_verify_webhook_rejects_signature_over_other_timestamp(signer):
    assert _verify(signer, timestamp=str(int(NOW) - 1)) is False


@pytest.mark.parametrize(
    "overrides",
    [
        {"signature": ""},
        {"signature": "not base64!"},
        {"timestamp": ""},
        {"timestamp": "17e8"},
        {"public_key": ""},
        {"public_key": "bm90IGEga2V5"},
        {"payload": b"\xff\xfe"},
    ],
)
def test_verify_webhook_rejects_missing_or_malformed_input(signer, overrides):
    assert _verify(signer, **overrides) is False


@pytest.mark.parametrize("now", [NOW + 301, NOW - 31])
def test_verify_webhook_rejects_stale_or_future_timestamp(signer, now):
    assert _verify(signer, now=now) is False


def test_send_400_tells_which_personalizations_sendgrid_refused(fake_sendgrid):
    payload = _payload(5)
    payload["personalizations"][3]["to"][0]["email"] = '"a@b"@example.org'

    outcome = _send(fake_sendgrid, payload)

    assert outcome.errors == (
        ApiError("Does not contain a valid address.", "personalizations.3.to.0.email"),
    )
    assert outcome.refused_recipients() == {3: "Does not contain a valid address."}


@pytest.mark.parametrize(
    "errors,blamed",
    [
        ([("Bad address.", "personalizations.0.to.0.email")], {0: "Bad address."}),
        ([("Duplicate.", "personalizations.7")], {7: "Duplicate."}),
        ([("Bad address.", None)], {}),
        ([("Bad.", "personalizations.1.to.0.email"), ("No from.", "from.email")], None),
        ([("Too many.", "personalizations")], None),
    ],
)
def test_refused_recipients_reads_the_fields_of_a_400(errors, blamed):
    outcome = Outcome(
        Status.FAILED,
        http_status=400,
        errors=tuple(ApiError(m, f or "") for m, f in errors),
    )

    assert outcome.refused_recipients() == blamed


def test_refused_recipients_is_none_for_other_refusals():
    no_json = Outcome(Status.FAILED, http_status=400, error="<html>")
    key = Outcome(Status.FAILED, http_status=401, errors=(ApiError("No."),))

    assert (no_json.refused_recipients(), key.refused_recipients()) == (None, None)


def test_fake_without_error_fields_names_no_recipient(fake_sendgrid):
    fake_sendgrid.error_fields = False
    payload = _payload(2)
    payload["personalizations"][1]["to"][0]["email"] = "ann@[192.0.2.1]"

    outcome = _send(fake_sendgrid, payload)

    assert outcome.errors == (ApiError("Does not contain a valid address."),)
    assert outcome.refused_recipients() == {}


# One kept-alive connection --------------------------------------------------------


def test_sends_share_one_connection(fake_sendgrid):
    outcomes = [_send(fake_sendgrid, _payload()).status for _ in range(3)]

    assert outcomes == [Status.SENT] * 3
    assert fake_sendgrid.connections == 1


def test_connection_the_server_closed_while_idle_is_replaced():
    with FakeSendGrid(keepalive_seconds=0.2) as server:
        first = _send(server, _payload())
        time.sleep(0.6)  # the fake drops the idle connection meanwhile
        second = _send(server, _payload())

        assert (first.status, second.status) == (Status.SENT, Status.SENT)
        assert (server.connections, len(server.requests)) == (2, 2)


def test_connection_is_replaced_after_a_request_without_answer(fake_sendgrid):
    fake_sendgrid.plan(["hang"])

    lost = _send(fake_sendgrid, _payload(), timeout=0.5)
    after = _send(fake_sendgrid, _payload())

    assert (lost.status, after.status) == (Status.UNKNOWN, Status.SENT)
    assert fake_sendgrid.connections == 2


# A body built ahead of time ----------------------------------------------------------


def test_send_takes_an_encoded_body(fake_sendgrid):
    payload = _payload(2)

    outcome = _send(fake_sendgrid, encode(payload))

    assert outcome.status == Status.SENT
    assert fake_sendgrid.requests == [payload]
