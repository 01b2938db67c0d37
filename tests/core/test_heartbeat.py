"""Heartbeats: the sender and the worker leave a row saying they are alive."""

import os
import signal
import socket
from datetime import UTC, datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from core.heartbeat import Pulse
from core.models import Heartbeat
from tests.notifications.helpers import queue_bulk, run_sender

NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_beat_records_time_pid_and_host():
    with time_machine.travel(NOON, tick=False):
        written = Pulse("sender").beat()

    row = Heartbeat.objects.get()
    assert written is True
    assert (row.name, row.seen_at, row.pid) == ("sender", NOON, os.getpid())
    assert row.host == socket.gethostname()


@pytest.mark.django_db
def test_beat_writes_at_most_once_per_interval():
    clock = iter([100.0, 105.0, 110.0]).__next__
    pulse = Pulse("worker", every=10.0, clock=clock)

    written = [pulse.beat(), pulse.beat(), pulse.beat()]

    assert written == [True, False, True]
    assert Heartbeat.objects.count() == 1


@pytest.mark.django_db
def test_looping_sender_records_its_heartbeat(settings):
    settings.SENDGRID_API_KEY = ""
    queue_bulk(["ann@example.org"])

    call_command(
        "send_mail_queue",
        "--loop",
        "--limit",
        "1",
        stdout=StringIO(),
        stderr=StringIO(),
    )

    assert Heartbeat.objects.get().name == "sender"


@pytest.mark.django_db
def test_sender_run_once_records_no_heartbeat(settings):
    settings.SENDGRID_API_KEY = ""
    queue_bulk(["ann@example.org"])

    run_sender()

    assert Heartbeat.objects.exists() is False


@pytest.fixture
def database_tasks(settings):
    """The production task backend, and the signal handlers db_worker replaces."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    handlers[signal.SIGQUIT] = signal.getsignal(signal.SIGQUIT)
    yield
    for signum, handler in handlers.items():
        signal.signal(signum, handler)


# The worker closes connections between turns, which would end a test's
# transaction: this test commits.
@pytest.mark.django_db(transaction=True)
def test_idle_worker_records_its_heartbeat(database_tasks):
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", "-v", "0")

    row = Heartbeat.objects.get()
    assert (row.name, row.pid) == ("worker", os.getpid())
