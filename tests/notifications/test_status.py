"""`manage.py status` and /staff/status/: the outbox and the heartbeats."""

from datetime import UTC, datetime, timedelta
from io import StringIO
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.db import OperationalError

from core.models import Heartbeat
from notifications.models import Delivery
from notifications.status import age_text
from tests.notifications.helpers import queue_bulk

NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _beat(name, *, ago, pid=4242, host="web1"):
    Heartbeat.objects.create(name=name, seen_at=NOON - ago, pid=pid, host=host)


def _status(*args):
    """Run `manage.py status ARGS` at NOON: (exit code, stdout lines, stderr lines)."""
    out, err = StringIO(), StringIO()
    code = 0
    with time_machine.travel(NOON, tick=False):
        try:
            call_command("status", *args, stdout=out, stderr=err)
        except SystemExit as exit:
            code = exit.code
    return code, out.getvalue().splitlines(), err.getvalue().splitlines()


def _queued_at(moment, emails):
    with time_machine.travel(moment, tick=False):
        return queue_bulk(emails)


@pytest.mark.django_db
def test_status_with_fresh_heartbeats_and_an_empty_outbox_exits_0():
    _beat("sender", ago=timedelta(seconds=8))
    _beat("worker", ago=timedelta(seconds=75), pid=99, host="tasks1")

    code, out, err = _status()

    assert code == 0
    assert out == [
        "oldest due delivery: none",
        "sender heartbeat: 2026-12-01 11:59:52 UTC (8 s ago), pid 4242 on web1",
        "worker heartbeat: 2026-12-01 11:58:45 UTC (1 min ago), pid 99 on tasks1",
        "failed deliveries in the last 24 h: 0",
        "pending deliveries: 0",
        "no problems",
    ]
    assert err == []


@pytest.mark.django_db
def test_status_without_heartbeats_reports_never_and_exits_1():
    code, out, err = _status()

    assert code == 1
    assert out[1:3] == ["sender heartbeat: never", "worker heartbeat: never"]
    assert err == [
        "PROBLEM sender: no heartbeat ever recorded (is meetings-mail running?)",
        "PROBLEM worker: no heartbeat ever recorded (is meetings-tasks running?)",
    ]


@pytest.mark.django_db
def test_status_reports_a_heartbeat_older_than_the_limit():
    _beat("sender", ago=timedelta(minutes=12))
    _beat("worker", ago=timedelta(minutes=4))

    code, out, err = _status()

    assert code == 1
    assert err == [
        "PROBLEM sender: last heartbeat 12 min ago (limit 5 min; is meetings-mail running?)"
    ]


@pytest.mark.django_db
def test_status_reports_a_due_delivery_that_waited_too_long():
    _beat("sender", ago=timedelta(seconds=1))
    _beat("worker", ago=timedelta(seconds=1))
    message = _queued_at(NOON - timedelta(minutes=20), ["ann@example.org"])
    _queued_at(NOON - timedelta(minutes=2), ["bob@example.org"])
    oldest = message.deliveries.get()

    code, out, err = _status()

    assert code == 1
    assert out[0] == (
        f"oldest due delivery: {oldest.pk} (mailing), due 2026-12-01 11:40:00 UTC, "
        "waiting 20 min"
    )
    assert out[-1] == "pending deliveries: 2"
    assert err == [
        f"PROBLEM outbox: delivery {oldest.pk} (mailing) has been due for 20 min "
        "(limit 15 min)"
    ]


@pytest.mark.django_db
def test_status_limits_come_from_the_options():
    _beat("sender", ago=timedelta(minutes=12))
    _beat("worker", ago=timedelta(minutes=12))
    _queued_at(NOON - timedelta(minutes=20), ["ann@example.org"])

    code, out, err = _status("--max-heartbeat-age", "15", "--max-wait", "30")

    assert (code, err, out[-1]) == (0, [], "no problems")


@pytest.mark.django_db
def test_status_ignores_deliveries_scheduled_for_later():
    _beat("sender", ago=timedelta(seconds=1))
    _beat("worker", ago=timedelta(seconds=1))
    _queued_at(NOON - timedelta(hours=1), ["ann@example.org"])
    Delivery.objects.update(next_attempt_at=NOON + timedelta(minutes=5))

    code, out, err = _status()

    assert code == 0
    assert out[0] == "oldest due delivery: none"
    assert out[-2] == "pending deliveries: 1"


@pytest.mark.django_db
def test_status_counts_deliveries_that_failed_in_the_last_24_hours():
    _queued_at(
        NOON - timedelta(days=2), ["a@example.org", "b@example.org", "c@example.org"]
    )
    attempts = [timedelta(hours=1), timedelta(hours=23), timedelta(hours=25)]
    for delivery, ago in zip(Delivery.objects.order_by("pk"), attempts, strict=True):
        delivery.status, delivery.claimed_at = "failed", NOON - ago
        delivery.save()

    code, out, err = _status()

    assert out[3:5] == [
        "failed deliveries in the last 24 h: 2",
        "pending deliveries: 0",
    ]


@pytest.mark.django_db
def test_status_reports_a_database_that_does_not_answer():
    # The database is a process boundary: simulate it refusing connections.
    with mock.patch(
        "django.db.backends.base.base.BaseDatabaseWrapper.cursor",
        side_effect=OperationalError("connection refused\nmore detail"),
    ):
        code, out, err = _status()

    assert (code, out, err) == (1, [], ["PROBLEM database: connection refused"])


def test_status_rejects_a_limit_of_zero():
    with pytest.raises(Exception, match="must be minutes between 0 and a year"):
        call_command("status", "--max-wait", "0")


@pytest.mark.parametrize(
    "seconds,text",
    [(0, "0 s"), (59, "59 s"), (60, "1 min"), (3599, "59 min"), (3600, "1 h"),
     (3900, "1 h 5 min"), (86400, "1 d"), (100800, "1 d 4 h")],
)  # fmt: skip
def test_age_text_reads_like_a_person_would_say_it(seconds, text):
    assert age_text(timedelta(seconds=seconds)) == text


# The page ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_status_page_shows_the_report_and_its_problems(client, staff):
    _beat("sender", ago=timedelta(seconds=8))
    client.force_login(staff)

    with time_machine.travel(NOON, tick=False):
        html = client.get("/staff/status/").content.decode()

    assert (
        '<th scope="row">Sender heartbeat</th><td>2026-12-01 11:59:52 UTC (8 s ago), pid 4242 on web1</td>'
        in html
    )
    assert '<th scope="row">Worker heartbeat</th><td>never</td>' in html
    assert '<h2 id="problems-heading">1 problem</h2>' in html
    assert (
        "<li>worker: no heartbeat ever recorded (is meetings-tasks running?)</li>"
        in html
    )


@pytest.mark.django_db
def test_staff_status_page_says_no_problems_when_all_is_well(client, staff):
    _beat("sender", ago=timedelta(seconds=8))
    _beat("worker", ago=timedelta(seconds=8))
    client.force_login(staff)

    with time_machine.travel(NOON, tick=False):
        html = client.get("/staff/status/").content.decode()

    assert '<span class="badge badge-ok">No problems</span>' in html
    assert "problems-heading" not in html


@pytest.mark.django_db
def test_status_page_is_not_found_for_people_who_are_not_staff(client, charlie):
    client.force_login(charlie)

    response = client.get("/staff/status/")

    assert response.status_code == 404
    assert b"Heartbeat" not in response.content


@pytest.mark.django_db
def test_status_page_sends_visitors_to_sign_in(client):
    response = client.get("/staff/status/")

    assert response.url == "/accounts/signin/?next=/staff/status/"
