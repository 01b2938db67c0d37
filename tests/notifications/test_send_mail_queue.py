"""`manage.py send_mail_queue`: options, output, the demo's .eml files, and real
processes: killed with SIGKILL, stopped with SIGTERM, two at once."""

import email
import email.policy
import math
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
import time_machine
from django.core import checks, mail
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import override_system_checks
from django.utils import timezone

from core.models import Heartbeat
from notifications.models import Delivery
from tests.notifications.helpers import (
    addresses,
    queue_bulk,
    recipients_per_request,
    run_sender,
)

ROOT = Path(__file__).resolve().parents[2]


class Terminal(StringIO):
    def isatty(self):
        return True


# Options and output (in this process) -------------------------------------------------


@pytest.mark.django_db
def test_command_without_api_key_uses_django_mailer(settings):
    settings.SENDGRID_API_KEY = ""
    queue_bulk(["ann@example.org", "bob@example.org"])

    output = run_sender()

    assert sorted(m.to[0] for m in mail.outbox) == [
        "ann@example.org",
        "bob@example.org",
    ]
    assert {d.status for d in Delivery.objects.all()} == {"sent"}
    assert output.startswith("sent 2, failed 0, suppressed 0, retrying later 0, ")


@pytest.mark.django_db
def test_command_without_api_key_writes_eml_files(settings, tmp_path):
    settings.SENDGRID_API_KEY = ""
    settings.MAILERS = {
        "default": {
            "BACKEND": "notifications.backends.EmlFileBackend",
            "OPTIONS": {"file_path": str(tmp_path)},
        }
    }
    message = queue_bulk(["ann@example.org"])

    run_sender()

    (path,) = tmp_path.glob("*.eml")
    written = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    delivery = message.deliveries.get()
    url = "https://meetings.test/unsubscribe/"
    assert written["To"] == "ann@example.org"
    assert written["List-Unsubscribe"].startswith(f"<{url}")
    assert written["X-Meetings-Delivery"] == str(delivery.pk)
    assert delivery.status == "sent"


def _failing_check(**kwargs):
    return [checks.Error("a broken setting", id="tests.E001")]


@pytest.mark.django_db
def test_command_sends_without_running_system_checks(settings):
    # A long-running worker skips them at each start (0.5 s of CPU); the
    # deploy runs `manage.py check --deploy`, which still runs them all.
    settings.SENDGRID_API_KEY = ""
    queue_bulk(["ann@example.org"])

    # As `manage.py send_mail_queue --once` runs it (run_from_argv, without
    # its closing of every connection); call_command skips the checks.
    command = load_command_class("notifications", "send_mail_queue")
    options = vars(
        command.create_parser("manage.py", "send_mail_queue").parse_args(["--once"])
    )
    options.pop("args", None)
    with override_system_checks([_failing_check]):
        command.execute(**options, stdout=StringIO(), stderr=StringIO())

    assert [m.to for m in mail.outbox] == [["ann@example.org"]]


@pytest.mark.django_db
def test_command_replaces_unsubscribe_placeholder_in_bodies(settings):
    settings.SENDGRID_API_KEY = ""
    queue_bulk(["ann@example.org"])

    run_sender()

    (sent,) = mail.outbox
    url = sent.extra_headers["List-Unsubscribe"].strip("<>")
    assert f"Unsubscribe: {url}" in sent.body
    assert f'href="{url}"' in sent.alternatives[0].content


@pytest.mark.django_db
def test_command_dry_run_lists_pending_and_sends_nothing(settings):
    settings.SENDGRID_API_KEY = ""
    message = queue_bulk(["ann@example.org", "bob@example.org"], subject="News")
    Delivery.objects.filter(email="bob@example.org").update(
        next_attempt_at=timezone.now() + timedelta(hours=1)
    )
    out = StringIO()

    call_command("send_mail_queue", "--dry-run", stdout=out)

    assert out.getvalue().splitlines() == [
        f"message {message.pk} (mailing): 1 due now, 1 later: News",
        "1 due now, 1 later; nothing sent (dry run).",
    ]
    assert mail.outbox == []


@pytest.mark.django_db
def test_command_limit_stops_after_that_many_recipients(settings):
    settings.SENDGRID_API_KEY = ""
    queue_bulk(addresses(5))

    output = run_sender("--limit", "3", "--batch-size", "2")

    assert len(mail.outbox) == 3
    assert "Stopped early: limit of 3 reached." in output


@pytest.mark.django_db
def test_command_shows_progress_on_a_terminal(settings):
    settings.SENDGRID_API_KEY = ""
    queue_bulk(addresses(3))
    terminal = Terminal()

    run_sender(stdout=terminal)

    assert terminal.getvalue().startswith("\rsent 3 / remaining 0 / ")
    assert "\nsent 3, failed 0, " in terminal.getvalue()


@pytest.mark.parametrize(
    "args,error",
    [
        (["--batch-size", "0"], "--batch-size must be between 1 and 1000."),
        (["--batch-size", "1001"], "--batch-size must be between 1 and 1000."),
        (["--limit", "-1"], "--limit and --pause must be >= 0, --idle > 0."),
        (["--pause", "-2"], "--limit and --pause must be >= 0, --idle > 0."),
        (["--once", "--pause", "nan"], "--pause and --idle must be finite."),
        (["--once", "--idle", "inf"], "--pause and --idle must be finite."),
    ],
)
def test_command_rejects_bad_options(args, error):
    with pytest.raises(CommandError, match=f"^{error}$"):
        call_command("send_mail_queue", *args, stdout=StringIO())


def test_command_once_and_loop_are_exclusive():
    with pytest.raises(CommandError, match="not allowed with argument"):
        call_command("send_mail_queue", "--once", "--loop", stdout=StringIO())


# Real processes ----------------------------------------------------------------------


@pytest.fixture
def child(settings, fake_sendgrid):
    """Start `manage.py send_mail_queue ARGS` on the test database and the fake."""
    started = []
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("sharing the test database with a process needs PostgreSQL")
    url = (
        f"postgres://{quote(db['USER'], safe='')}:{quote(db['PASSWORD'], safe='')}"
        f"@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{quote(db['NAME'])}"
    )
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": settings.SECRET_KEY,
        "SITE_URL": settings.SITE_URL,
        "SENDGRID_API_KEY": fake_sendgrid.api_key,
        "SENDGRID_API_HOST": fake_sendgrid.url,
        "SENDGRID_TIMEOUT": "5",
        "DEFAULT_FROM_EMAIL": "meetings <noreply@meetings.test>",
        "LOG_LEVEL": "WARNING",
    }

    def start(*args, **extra_env):
        process = subprocess.Popen(
            [sys.executable, "manage.py", "send_mail_queue", *args],
            cwd=ROOT,
            env={**env, **extra_env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate()


def _wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _sent():
    return Delivery.objects.filter(status="sent").count()


def _received(fake) -> Counter:
    return Counter(m.email for m in fake.accepted_messages())


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_sender_killed_between_batches_resumes_without_duplicates(child, fake_sendgrid):
    emails = addresses(300)
    queue_bulk(emails)
    first = child("--once", "--batch-size", "100", "--pause", "3")
    _wait_for(lambda: _sent() == 100)

    first.kill()
    first.wait()
    sending = Delivery.objects.filter(status="sending").count()
    out, err = child("--once", "--batch-size", "100").communicate(timeout=60)

    assert sending == 0
    assert _received(fake_sendgrid) == dict.fromkeys(emails, 1)
    assert out.startswith("sent 200, failed 0, suppressed 0, retrying later 0, ")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_sender_killed_during_request_is_retried_once_after_lease(
    child, fake_sendgrid, sendgrid
):
    emails = addresses(3)
    queue_bulk(emails)
    fake_sendgrid.plan(["hang"])
    first = child("--once")
    _wait_for(lambda: len(fake_sendgrid.attempts) == 1)

    first.kill()
    first.wait()
    child("--once").communicate(timeout=60)  # the rows are still leased
    attempts_within_lease = len(fake_sendgrid.attempts)
    with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=True):
        run_sender()

    assert attempts_within_lease == 1
    assert _received(fake_sendgrid) == dict.fromkeys(emails, 1)
    assert set(Delivery.objects.values_list("unknown_outcome", flat=True)) == {True}


def _states():
    return list(
        Delivery.objects.order_by("pk").values_list(
            "status", "unknown_outcome", "attempts"
        )
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_sender_claims_the_next_batch_while_sendgrid_handles_the_request(
    child, fake_sendgrid
):
    queue_bulk(addresses(4))
    fake_sendgrid.plan(["hang"])  # no answer for 2 s, then the connection drops
    process = child("--once", "--batch-size", "2")
    _wait_for(lambda: len(fake_sendgrid.attempts) == 1)

    _wait_for(lambda: Delivery.objects.filter(status="sending").count() == 4)
    process.communicate(timeout=30)

    # The unknown outcome pauses the sender, which puts the next batch back.
    assert len(fake_sendgrid.attempts) == 1
    assert _states() == [("pending", True, 1)] * 2 + [("pending", False, 0)] * 2


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_sender_stopped_mid_drain_leaves_no_row_claimed(child, fake_sendgrid):
    emails = addresses(2000)
    queue_bulk(emails)
    first = child("--loop", "--idle", "0.2", "--batch-size", "10")
    _wait_for(lambda: _sent() >= 20)

    first.send_signal(signal.SIGTERM)
    out, err = first.communicate(timeout=30)
    sending = Delivery.objects.filter(status="sending").count()
    child("--once", "--batch-size", "10").communicate(timeout=120)

    assert sending == 0
    assert not out.startswith("sent 2000,")
    assert _received(fake_sendgrid) == dict.fromkeys(emails, 1)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_sender_killed_with_a_batch_claimed_ahead_sends_each_recipient_once(
    child, fake_sendgrid, sendgrid
):
    emails = addresses(300)
    queue_bulk(emails)
    fake_sendgrid.plan([202, "hang"])
    first = child("--once", "--batch-size", "100")
    _wait_for(lambda: len(fake_sendgrid.attempts) == 2)
    _wait_for(lambda: Delivery.objects.filter(status="sending").count() == 200)

    first.kill()
    first.wait()
    with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=True):
        run_sender()

    assert _received(fake_sendgrid) == dict.fromkeys(emails, 1)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def _other_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("pause", ["0.1", "0"])  # "0": each claims a batch ahead
def test_two_senders_at_once_send_each_recipient_once(child, fake_sendgrid, pause):
    emails = addresses(2000)
    options = ("--loop", "--idle", "0.1", "--batch-size", "100", "--pause", pause)
    both = [child(*options), child(*options)]
    _wait_for(lambda: _other_connections() >= 2)  # both are polling

    queue_bulk(emails)
    _wait_for(lambda: _sent() == 2000)
    for process in both:
        process.send_signal(signal.SIGTERM)
    outputs = [process.communicate(timeout=30)[0] for process in both]

    assert _received(fake_sendgrid) == dict.fromkeys(emails, 1)
    # Full batches, except that the last 100 rows may be shared by two claims
    # running at once (each skips the rows the other has locked so far).
    sizes = sorted(len(r) for r in recipients_per_request(fake_sendgrid))
    assert sizes[-19:] == [100] * 19 and sum(sizes) == 2000 and len(sizes) <= 21
    assert [o.startswith("sent 0,") for o in outputs] == [False, False]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_sender_loops_under_systemd_until_sigterm(child, fake_sendgrid):
    queue_bulk(addresses(3))
    process = child("--idle", "0.2", INVOCATION_ID="0123456789abcdef")
    _wait_for(lambda: _sent() == 3)
    time.sleep(0.5)
    still_running = process.poll() is None

    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=20)

    assert still_running is True
    assert process.returncode == 0
    assert (
        out.splitlines()[-1]
        == "Stopped early: stopped by signal after finishing the batch."
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_idle_looping_sender_keeps_its_heartbeat_fresh(child, fake_sendgrid):
    process = child("--loop", "--idle", "0.2", HEARTBEAT_SECONDS="0.5")
    _wait_for(lambda: Heartbeat.objects.filter(pid=process.pid).exists())
    first = Heartbeat.objects.get().seen_at
    # A beat is written at most every HEARTBEAT_SECONDS; the next one proves
    # the idle loop keeps beating, not only its first turn. Sooner than the
    # default 10 s, so the process read the interval from its environment.
    _wait_for(lambda: Heartbeat.objects.get().seen_at > first, timeout=8)

    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=20)

    assert Heartbeat.objects.get().name == "sender"
    assert _sent() == 0


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_sender_sigterm_during_request_records_the_batch(child, fake_sendgrid):
    queue_bulk(addresses(3))
    fake_sendgrid.plan(["hang"])
    process = child("--loop", "--idle", "0.2")
    _wait_for(lambda: len(fake_sendgrid.attempts) == 1)

    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=20)

    rows = set(Delivery.objects.values_list("status", "unknown_outcome"))
    assert process.returncode == 0
    assert rows == {("pending", True)}
    assert len(fake_sendgrid.attempts) == 1


def _killed_after_sendgrid_took_the_batch(child, fake_sendgrid) -> list[str]:
    """Queue 3 recipients; a sender process sends them, SendGrid takes the batch
    and never answers, and the sender is killed (SIGKILL) while it waits."""
    from tests.fakes.sendgrid_server import ACCEPT_HANG

    emails = addresses(3)
    queue_bulk(emails)
    fake_sendgrid.plan([ACCEPT_HANG])
    first = child("--once")
    _wait_for(lambda: len(fake_sendgrid.requests) == 1)
    first.kill()
    first.wait()
    return emails


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_sender_killed_after_sendgrid_took_the_batch_sends_it_once(
    child, fake_sendgrid, sendgrid, settings, client
):
    """SendGrid took the batch, the sender died before it heard; the webhook
    then reports each recipient processed, and nothing is sent again."""
    import json

    from tests.fakes.sendgrid_server import WebhookSigner

    signer = WebhookSigner.generate()
    settings.SENDGRID_WEBHOOK_PUBLIC_KEY = signer.public_key
    emails = _killed_after_sendgrid_took_the_batch(child, fake_sendgrid)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sending"}

    body = json.dumps(fake_sendgrid.processed_events()).encode()
    stamp = str(int(time.time()))
    response = client.post(
        "/webhooks/sendgrid/",
        data=body,
        content_type="application/json",
        headers=signer.headers(body, stamp),
    )
    with time_machine.travel(timezone.now() + timedelta(minutes=30), tick=True):
        run_sender()
        run_sender()

    assert response.status_code == 200
    assert _received(fake_sendgrid) == dict.fromkeys(emails, 1)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    assert mail.outbox == []


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_late_webhook_events_within_the_reconcile_window_prevent_a_resend(
    child, fake_sendgrid, sendgrid, settings, client
):
    """The events come after the lease ran out but within the window: no resend."""
    import json

    from tests.fakes.sendgrid_server import WebhookSigner

    signer = WebhookSigner.generate()
    settings.SENDGRID_WEBHOOK_PUBLIC_KEY = signer.public_key
    settings.MAIL_RECONCILE_MINUTES = 10
    emails = _killed_after_sendgrid_took_the_batch(child, fake_sendgrid)

    with time_machine.travel(timezone.now() + timedelta(minutes=7), tick=True):
        run_sender()  # The lease ran out; the window has not.
        retried_early = len(fake_sendgrid.requests) - 1
        body = json.dumps(fake_sendgrid.processed_events()).encode()
        client.post(
            "/webhooks/sendgrid/",
            data=body,
            content_type="application/json",
            headers=signer.headers(body, str(int(time.time()))),
        )
    with time_machine.travel(timezone.now() + timedelta(minutes=30), tick=True):
        run_sender()

    assert retried_early == 0
    assert _received(fake_sendgrid) == dict.fromkeys(emails, 1)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_without_events_a_killed_batch_is_retried_once_after_the_window(
    child, fake_sendgrid, sendgrid, settings
):
    """What README promises for the bad case: one duplicate, not more."""
    from tests.fakes.sendgrid_server import WebhookSigner

    settings.SENDGRID_WEBHOOK_PUBLIC_KEY = WebhookSigner.generate().public_key
    emails = _killed_after_sendgrid_took_the_batch(child, fake_sendgrid)

    with time_machine.travel(timezone.now() + timedelta(minutes=30), tick=True):
        run_sender()
        run_sender()

    assert _received(fake_sendgrid) == dict.fromkeys(emails, 2)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_sender_process_fails_only_the_refused_recipient(child, fake_sendgrid):
    """The real command, its own process, against a fake that names no field."""
    fake_sendgrid.error_fields = False
    emails = addresses(1000)
    emails[3] = '"a@b"@example.org'
    queue_bulk(emails)

    out, err = child("--once").communicate(timeout=120)

    good = emails[:3] + emails[4:]
    assert _received(fake_sendgrid) == dict.fromkeys(good, 1)
    assert list(Delivery.objects.filter(status="failed").values_list("email")) == [
        ('"a@b"@example.org',)
    ]
    assert len(fake_sendgrid.attempts) <= 1 + math.ceil(math.log2(1000)) + 1
    assert out.startswith("sent 999, failed 1, suppressed 0, retrying later 0, ")
