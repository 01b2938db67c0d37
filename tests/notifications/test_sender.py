"""The delivery engine against a fake SendGrid, through the real sendgrid client."""

import math
import time
from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications import sender
from notifications.models import Delivery, OptOut, Suppression
from notifications.unsubscribe import read_token
from tests.fakes.sendgrid_server import Reply
from tests.fresh import modules_loaded_by
from tests.notifications.helpers import (
    addresses,
    queue_bulk,
    recipients_per_request,
    run_sender,
)

pytestmark = pytest.mark.django_db


def _statuses():
    return sorted(set(Delivery.objects.values_list("status", flat=True)))


def _later(**delta):
    return time_machine.travel(timezone.now() + timedelta(**delta), tick=True)


# Batching ------------------------------------------------------------------------


def test_sender_sends_1000_recipients_per_request(sendgrid, settings):
    # A 1,000-recipient request can take over the fixture's 0.5 s on a busy
    # machine, which would make it an unknown outcome, not what is tested here.
    settings.SENDGRID_TIMEOUT = 10
    emails = addresses(2500)
    queue_bulk(emails)

    output = run_sender()

    assert recipients_per_request(sendgrid) == [
        emails[:1000],
        emails[1000:2000],
        emails[2000:],
    ]
    assert _statuses() == ["sent"]
    assert output.startswith("sent 2500, failed 0, suppressed 0, retrying later 0, ")


def test_sender_gives_each_recipient_own_delivery_id_and_unsubscribe_link(sendgrid):
    queue_bulk(["ann@example.org", "bob@example.org"])

    run_sender()

    rows = {d.email: d.pk for d in Delivery.objects.all()}
    for message in sendgrid.accepted_messages():
        url = message.headers["List-Unsubscribe"].strip("<>")
        assert message.custom_args == {"delivery_id": str(rows[message.email])}
        assert read_token(url.rstrip("/").rsplit("/", 1)[1]) == rows[message.email]


def test_sender_records_provider_message_id_and_time(sendgrid):
    queue_bulk(["ann@example.org"])

    run_sender()

    delivery = Delivery.objects.get()
    assert delivery.provider_message_id == "fake-msg-1"
    assert delivery.sent_at is not None
    assert delivery.attempts == 1


def test_sender_second_run_sends_nothing(sendgrid):
    queue_bulk(addresses(3))
    run_sender()

    output = run_sender()

    assert len(sendgrid.requests) == 1
    assert output.startswith("sent 0, failed 0, suppressed 0, retrying later 0, ")


def test_sender_batch_size_option_sets_recipients_per_request(sendgrid):
    emails = addresses(5)
    queue_bulk(emails)

    run_sender("--batch-size", "2")

    assert recipients_per_request(sendgrid) == [emails[:2], emails[2:4], emails[4:]]


def test_sender_sends_one_message_per_request(sendgrid):
    queue_bulk(["ann@example.org"], subject="First")
    queue_bulk(["bob@example.org"], subject="Second")

    run_sender()

    assert [r["subject"] for r in sendgrid.requests] == ["First", "Second"]


def test_claim_takes_due_rows_only(sendgrid):
    queue_bulk(["ann@example.org"])
    Delivery.objects.update(next_attempt_at=timezone.now() + timedelta(minutes=1))

    assert sender.claim().rows == []


# Round trips: each one waits for the database, which is what a drain's time is
# made of on a busy machine. A batch is one claim and one result, whatever its size.


@pytest.mark.parametrize("count", [1, 3, 1000])
def test_batch_is_two_queries_whatever_its_size(sendgrid, slow_ok, count):
    queue_bulk(addresses(count))

    with CaptureQueriesContext(connection) as queries:
        tally = sender.send_batch(sender.claim())

    assert len(queries) == 2  # the claim, the result
    assert tally.sent == count
    assert _statuses() == ["sent"]


def test_delivery_ids_lookup_takes_exactly_the_rows_listed(sendgrid):
    first, _, third = queue_bulk(addresses(3)).deliveries.order_by("pk")

    found = Delivery.objects.filter(pk__any=[first.pk, third.pk, 0])

    assert sorted(found.values_list("pk", flat=True)) == [first.pk, third.pk]


def test_batch_result_names_its_rows_in_one_parameter(sendgrid):
    # 1,000 placeholders cost 3 ms of the sender's CPU per batch to build.
    queue_bulk(addresses(3))

    with CaptureQueriesContext(connection) as queries:
        sender.send_batch(sender.claim())

    result = queries.captured_queries[1]["sql"]
    assert (" IN (" in result, "= ANY(" in result) == (False, True)


def test_batch_settles_suppressed_and_opted_out_rows_in_its_claim(
    sendgrid, group, member
):
    queue_bulk(["ann@example.org", "bob@example.org"], group=group, users=[member])
    Suppression.objects.create(email="bob@example.org", reason="bounce")
    OptOut.objects.create(user=member, group=group, topic="mailings")

    with CaptureQueriesContext(connection) as queries:
        tally = sender.send_batch(sender.claim())

    assert len(queries) == 2
    assert (tally.sent, tally.suppressed) == (1, 2)
    assert recipients_per_request(sendgrid) == [["ann@example.org"]]


@pytest.mark.parametrize("batches", [1, 3])
def test_sender_run_is_two_queries_per_batch(sendgrid, batches):
    queue_bulk(addresses(2 * batches))

    with CaptureQueriesContext(connection) as queries:
        run_sender("--batch-size", "2")

    # Taking back rows of dead workers (2), each batch (claim, result), the
    # claim that finds nothing, and the summary's count of what remains. (In
    # a test's transaction nothing is claimed ahead on a second connection.)
    assert len(queries) == 2 + 2 * batches + 1 + 1
    assert len(sendgrid.requests) == batches


# Retry classes ---------------------------------------------------------------------


def test_sender_429_waits_for_rate_limit_reset(sendgrid):
    reset = int(time.time()) + 120
    sendgrid.plan([Reply(429, headers={"X-RateLimit-Reset": str(reset)})])
    queue_bulk(["ann@example.org"])

    output = run_sender()
    run_sender()

    delivery = Delivery.objects.get()
    assert [a.status for a in sendgrid.attempts] == [429]
    assert delivery.status == "pending"
    assert abs(delivery.next_attempt_at.timestamp() - reset) < 1
    assert delivery.attempts == 0  # a rate limit is not the message's attempt
    assert "Stopped early: rate limited (429)" in output


def test_sender_429_is_sent_after_reset(sendgrid):
    sendgrid.plan(
        [Reply(429, headers={"X-RateLimit-Reset": str(int(time.time()) + 60)})]
    )
    queue_bulk(["ann@example.org"])
    run_sender()

    with _later(seconds=61):
        run_sender()

    assert [a.status for a in sendgrid.attempts] == [429, 202]
    assert _statuses() == ["sent"]


def test_sender_429_with_reset_in_past_does_not_spin(sendgrid):
    sendgrid.plan([Reply(429, headers={"X-RateLimit-Reset": "1"})])
    queue_bulk(["ann@example.org"])

    run_sender()

    delivery = Delivery.objects.get()
    assert len(sendgrid.attempts) == 1
    assert delivery.next_attempt_at >= timezone.now() + timedelta(seconds=0.5)


def test_sender_429_stops_once_run_before_other_messages(sendgrid):
    sendgrid.plan(
        [Reply(429, headers={"X-RateLimit-Reset": str(int(time.time()) + 60)})]
    )
    queue_bulk(["ann@example.org"], subject="First")
    queue_bulk(["bob@example.org"], subject="Second")

    run_sender()

    assert len(sendgrid.attempts) == 1
    assert _statuses() == ["pending"]


def test_sender_503_retries_after_backoff(sendgrid):
    sendgrid.plan([503])
    queue_bulk(["ann@example.org"])
    before = timezone.now()

    run_sender()
    delivery = Delivery.objects.get()
    with _later(seconds=3):
        run_sender()

    assert before + timedelta(seconds=1) <= delivery.next_attempt_at
    assert delivery.next_attempt_at <= timezone.now() + timedelta(seconds=2)
    assert [a.status for a in sendgrid.attempts] == [503, 202]
    assert Delivery.objects.get().status == "sent"


# Outside a transaction the command claims each next batch ahead, on a second
# connection, while it sends the current one.


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_sender_puts_back_the_batch_claimed_ahead_when_sendgrid_pauses_it(sendgrid):
    sendgrid.plan([503])
    emails = addresses(4)
    queue_bulk(emails)

    output = run_sender("--batch-size", "2")

    rows = Delivery.objects.order_by("pk")
    assert len(sendgrid.attempts) == 1
    assert [(d.status, d.attempts) for d in rows] == [("pending", 1)] * 2 + [
        ("pending", 0)
    ] * 2
    assert [d.next_attempt_at <= timezone.now() for d in rows] == [False] * 2 + [
        True
    ] * 2
    assert output.startswith("sent 0, failed 0, suppressed 0, retrying later 2, ")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_sender_sends_the_batch_put_back_once_afterwards(sendgrid):
    sendgrid.plan([503])
    emails = addresses(4)
    queue_bulk(emails)
    run_sender("--batch-size", "2")

    with _later(seconds=3):
        run_sender("--batch-size", "2")

    assert Counter(m.email for m in sendgrid.accepted_messages()) == dict.fromkeys(
        emails, 1
    )
    assert _statuses() == ["sent"]


def test_sender_retries_when_connection_refused(sendgrid, settings, unused_port):
    settings.SENDGRID_API_HOST = f"http://127.0.0.1:{unused_port}"
    queue_bulk(["ann@example.org"])

    run_sender()
    failed = Delivery.objects.get()
    settings.SENDGRID_API_HOST = sendgrid.url
    with _later(seconds=3):
        run_sender()

    assert failed.status == "pending"
    assert failed.last_error.startswith("request not delivered")
    assert recipients_per_request(sendgrid) == [["ann@example.org"]]
    assert Delivery.objects.get().status == "sent"


def test_sender_gives_up_retrying_a_day_after_queueing(sendgrid):
    sendgrid.plan([503])
    queue_bulk(["ann@example.org"])

    with _later(hours=25):
        run_sender()

    delivery = Delivery.objects.get()
    assert delivery.status == "failed"
    assert delivery.last_error == "gave up: Service Unavailable"


# Refused recipients ----------------------------------------------------------------
#
# One address SendGrid refuses must not fail the 999 others of its batch.
# `"bad…"@example.org` passes Django's validate_email, so rows like these exist
# wherever addresses were taken before the stricter input rule.

INVALID_ADDRESS = "HTTP 400: Does not contain a valid address."


def _batch_with_refused(*positions, count=1000):
    emails = addresses(count)
    for position in positions:
        emails[position] = f'"bad{position}"@example.org'
    queue_bulk(emails)
    bad = [emails[p] for p in positions]
    return [e for e in emails if e not in bad], bad


def _outcomes(emails):
    return sorted(
        Delivery.objects.filter(email__in=emails).values_list("status", "last_error")
    )


@pytest.fixture
def slow_ok(settings):
    # Requests of up to 1,000 recipients can take over the fixture's 0.5 s on
    # a busy machine, which would make them unknown outcomes.
    settings.SENDGRID_TIMEOUT = 10


def test_sender_400_naming_a_recipient_fails_only_that_one(sendgrid, slow_ok):
    good, bad = _batch_with_refused(3)

    output = run_sender()

    assert Counter(m.email for m in sendgrid.accepted_messages()) == dict.fromkeys(
        good, 1
    )
    assert _outcomes(bad) == [("failed", INVALID_ADDRESS)]
    assert Delivery.objects.filter(status="sent").count() == 999
    assert len(sendgrid.attempts) <= 1 + math.ceil(math.log2(1000))
    assert output.startswith("sent 999, failed 1, suppressed 0, retrying later 0, ")


def test_sender_400_naming_two_recipients_fails_only_those(sendgrid, slow_ok):
    good, bad = _batch_with_refused(3, 998)

    run_sender()

    assert Counter(m.email for m in sendgrid.accepted_messages()) == dict.fromkeys(
        good, 1
    )
    assert _outcomes(bad) == [("failed", INVALID_ADDRESS)] * 2
    assert [a.status for a in sendgrid.attempts] == [400, 202]


# Without a field naming the recipient the sender finds it by resending parts.
# Singling out one bad row in 1,000 *and* sending the 999 others takes up to
# ceil(log2(1000)) + 1 = 11 requests after the refused one, for any strategy:
# k requests can settle at most 2**(k - 1) suspects (notifications/isolation.py).
FOUND_BY_PARTS = (
    "HTTP 400: Does not contain a valid address. (SendGrid named no recipient; "
    "this one was singled out by resending parts of the batch)"
)
PER_BAD_ROW = math.ceil(math.log2(1000)) + 1


@pytest.mark.parametrize("position", [0, 3, 500, 999])
def test_sender_400_without_field_finds_the_refused_recipient(
    sendgrid, slow_ok, position
):
    sendgrid.error_fields = False
    good, bad = _batch_with_refused(position)

    output = run_sender()

    assert Counter(m.email for m in sendgrid.accepted_messages()) == dict.fromkeys(
        good, 1
    )
    assert _outcomes(bad) == [("failed", FOUND_BY_PARTS)]
    assert len(sendgrid.attempts) <= 1 + PER_BAD_ROW
    assert output.startswith("sent 999, failed 1, suppressed 0, retrying later 0, ")


def test_sender_400_without_field_finds_two_refused_recipients(sendgrid, slow_ok):
    sendgrid.error_fields = False
    good, bad = _batch_with_refused(3, 700)

    run_sender()

    assert Counter(m.email for m in sendgrid.accepted_messages()) == dict.fromkeys(
        good, 1
    )
    assert _outcomes(bad) == [("failed", FOUND_BY_PARTS)] * 2
    assert len(sendgrid.attempts) <= 1 + 2 * PER_BAD_ROW


def test_sender_400_about_the_whole_message_fails_batch_in_one_request(
    sendgrid, settings
):
    settings.DEFAULT_FROM_EMAIL = "meetings <noreply@localhost>"
    queue_bulk(addresses(8))

    run_sender()

    assert len(sendgrid.attempts) == 1
    assert _statuses() == ["failed"]
    assert Delivery.objects.first().last_error.startswith("HTTP 400: from.email: ")


def test_sender_refused_recipient_is_never_retried(sendgrid):
    good, bad = _batch_with_refused(0, count=2)

    run_sender()
    with _later(days=2):
        run_sender()

    assert recipients_per_request(sendgrid) == [good]
    assert _outcomes(bad) == [("failed", INVALID_ADDRESS)]


def test_sender_stops_searching_when_sendgrid_stops_answering(sendgrid):
    sendgrid.error_fields = False
    sendgrid.plan([202, 503])  # the batch is refused, its first half gets a 503
    good, bad = _batch_with_refused(1, count=8)

    run_sender()

    assert sendgrid.requests == []
    assert _statuses() == ["pending"]
    assert [a.status for a in sendgrid.attempts] == [400, 503]


@pytest.mark.parametrize("status", [401, 403])
def test_sender_rejected_key_fails_batch_and_stops(sendgrid, status):
    sendgrid.plan([status])
    queue_bulk(["ann@example.org"], subject="First")
    queue_bulk(["bob@example.org"], subject="Second")

    with pytest.raises(CommandError, match="SendGrid API key refused"):
        run_sender()
    with _later(days=2):
        run_sender()

    first, second = Delivery.objects.order_by("pk")
    assert (first.status, second.status) == ("failed", "sent")
    assert first.last_error.startswith(f"HTTP {status}: ")
    assert recipients_per_request(sendgrid) == [["bob@example.org"]]


def test_sender_413_splits_batch_in_halves(sendgrid):
    sendgrid.plan([413, 413])
    emails = addresses(8)
    queue_bulk(emails)

    run_sender()

    assert [a.status for a in sendgrid.attempts] == [413, 413, 202, 202, 202]
    assert recipients_per_request(sendgrid) == [emails[:2], emails[2:4], emails[4:]]
    assert _statuses() == ["sent"]


def test_sender_413_for_one_recipient_fails(sendgrid):
    sendgrid.plan([413])
    queue_bulk(["ann@example.org"])

    run_sender()

    delivery = Delivery.objects.get()
    assert delivery.status == "failed"
    assert delivery.last_error == "HTTP 413: Payload Too Large"


@pytest.mark.parametrize("reply", [500, 502, 504, "hang"])
def test_sender_unknown_outcome_is_retried_once_then_fails(sendgrid, reply):
    sendgrid.plan([reply, reply])
    queue_bulk(["ann@example.org"])

    run_sender()
    first = Delivery.objects.get()
    with _later(minutes=6):
        run_sender()
    with _later(days=2):
        run_sender()

    assert (first.status, first.unknown_outcome) == ("pending", True)
    assert first.last_error.startswith("outcome unknown, retrying once: ")
    assert len(sendgrid.attempts) == 2
    delivery = Delivery.objects.get()
    assert delivery.status == "failed"
    assert delivery.last_error.startswith("outcome unknown twice")


def test_sender_unknown_outcome_waits_before_its_retry(sendgrid):
    sendgrid.plan([500])
    queue_bulk(["ann@example.org"])

    run_sender()
    with _later(minutes=4):
        run_sender()

    assert len(sendgrid.attempts) == 1
    assert Delivery.objects.get().status == "pending"


def test_sender_unknown_outcome_then_accepted_is_sent(sendgrid):
    sendgrid.plan([502])
    queue_bulk(["ann@example.org"])

    run_sender()
    with _later(minutes=6):
        run_sender()

    assert recipients_per_request(sendgrid) == [["ann@example.org"]]
    assert Delivery.objects.get().status == "sent"


# Suppression and opt-out -----------------------------------------------------------

# PostgreSQL claims in one statement; other databases (the demo's SQLite) in
# steps. Both take the same rows and settle the same ones.
CLAIMS = {
    "one statement": sender._claim_in_one_statement,
    "steps": sender._claim_in_steps,
}


@pytest.mark.parametrize("way", CLAIMS)
def test_claim_takes_the_earliest_message_and_settles_blocked_rows(
    sendgrid, group, member, way
):
    first = queue_bulk(
        ["ann@example.org", "bob@example.org"], group=group, users=[member]
    )
    queue_bulk(["cat@example.org"], subject="Later")
    Suppression.objects.create(email="bob@example.org", reason="bounce")
    OptOut.objects.create(user=member, group=group, topic="mailings")

    batch = CLAIMS[way](timezone.now(), 10, None)

    assert (batch.message, batch.message.subject) == (first, "News")
    assert ([r.email for r in batch.rows], batch.suppressed) == (["ann@example.org"], 2)
    assert sorted(Delivery.objects.values_list("email", "status", "attempts")) == [
        ("ann@example.org", "sending", 1),
        ("bob@example.org", "suppressed", 1),
        ("cat@example.org", "pending", 0),
        (member.email, "suppressed", 1),
    ]


@pytest.mark.parametrize("way", CLAIMS)
def test_claim_of_transactional_mail_ignores_suppressions(sendgrid, way):
    from notifications import email

    email.send_signin_link(
        email="ann@example.org", name="Ann", url="https://x.test/l", minutes=15
    )
    Suppression.objects.create(email="ann@example.org", reason="bounce")

    batch = CLAIMS[way](timezone.now(), 10, None)

    assert ([r.email for r in batch.rows], batch.suppressed) == (["ann@example.org"], 0)
    assert batch.message.transactional is True


def test_sender_skips_address_suppressed_after_queueing(sendgrid):
    queue_bulk(["ann@example.org", "bob@example.org"])
    Suppression.objects.create(email="bob@example.org", reason="bounce")

    output = run_sender()

    assert recipients_per_request(sendgrid) == [["ann@example.org"]]
    assert Delivery.objects.get(email="bob@example.org").status == "suppressed"
    assert output.startswith("sent 1, failed 0, suppressed 1, ")


def test_sender_skips_member_who_opted_out_after_queueing(sendgrid, group, member):
    queue_bulk(["ann@example.org"], group=group, users=[member])
    OptOut.objects.create(user=member, group=group, topic="mailings")

    run_sender()

    assert recipients_per_request(sendgrid) == [["ann@example.org"]]
    assert Delivery.objects.get(email=member.email).status == "suppressed"


# Leases ------------------------------------------------------------------------------


def test_rows_left_sending_wait_for_their_lease(sendgrid):
    queue_bulk(["ann@example.org"])
    sender.claim()  # a worker that died right after claiming

    run_sender()

    assert sendgrid.attempts == []
    assert Delivery.objects.get().status == "sending"


def test_rows_left_sending_are_retried_once_after_lease(sendgrid):
    queue_bulk(["ann@example.org"])
    sender.claim()

    with _later(minutes=6):
        run_sender()

    delivery = Delivery.objects.get()
    assert recipients_per_request(sendgrid) == [["ann@example.org"]]
    assert (delivery.status, delivery.unknown_outcome) == ("sent", True)


def test_rows_left_sending_twice_fail(sendgrid):
    queue_bulk(["ann@example.org"])
    Delivery.objects.update(unknown_outcome=True)
    sender.claim()

    with _later(minutes=6):
        run_sender()

    delivery = Delivery.objects.get()
    assert sendgrid.attempts == []
    assert delivery.status == "failed"


def test_worker_whose_lease_ran_out_sends_nothing(sendgrid):
    queue_bulk(["ann@example.org"])
    slow = sender.claim()
    with _later(minutes=6):
        run_sender()  # takes the rows back and sends them

        tally = sender.send_batch(slow)  # the slow worker wakes up

    assert tally.requests == 0
    assert recipients_per_request(sendgrid) == [["ann@example.org"]]
    assert Delivery.objects.get().status == "sent"


# Immediate delivery (sign-in links) ----------------------------------------------------


def test_deliver_now_makes_one_pass_when_rate_limited(sendgrid, committing):
    from notifications import email

    sendgrid.plan([Reply(429, headers={"X-RateLimit-Reset": "1"})] * 3)

    with committing():
        email.send_signin_link(
            email="ann@example.org", name="Ann", url="https://x.test/l", minutes=15
        )

    assert len(sendgrid.attempts) == 1
    assert Delivery.objects.get().status == "pending"


def test_deliver_now_sends_signin_link_without_unsubscribe(sendgrid, committing):
    from notifications import email

    with committing():
        email.send_signin_link(
            email="ann@example.org", name="Ann", url="https://x.test/l", minutes=15
        )

    (message,) = sendgrid.accepted_messages()
    assert message.email == "ann@example.org"
    assert "List-Unsubscribe" not in message.headers
    assert Delivery.objects.get().status == "sent"


# Unsubscribe links in bulk -------------------------------------------------------------


def test_unsubscribe_urls_leave_the_sites_urlconf_unloaded():
    # Loading every app's views (django-ninja, numpy...) for this one link
    # cost a sender 0.4 s of CPU at its first batch.
    code = (
        "from notifications.unsubscribe import unsubscribe_urls\nunsubscribe_urls([1])"
    )

    assert modules_loaded_by(code, ["config.urls", "timepolls.api"]) == []


def test_unsubscribe_urls_equal_one_by_one_urls():
    from notifications.unsubscribe import unsubscribe_url, unsubscribe_urls

    rows = [Delivery(pk=pk) for pk in (1, 42, 10**12)]

    with time_machine.travel(timezone.now(), tick=False):  # one timestamp
        assert unsubscribe_urls(r.pk for r in rows) == {
            r.pk: unsubscribe_url(r) for r in rows
        }
