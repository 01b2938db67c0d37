from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import LoginToken
from core.housekeeping import run_housekeeping
from core.models import RateLimitBucket
from notifications.models import Delivery, Message

pytestmark = pytest.mark.django_db


def _ago(**delta):
    return time_machine.travel(timezone.now() - timedelta(**delta), tick=False)


def _session(*, expires_in):
    store = SessionStore()
    store["x"] = 1
    store.set_expiry(expires_in)
    store.create()
    return store.session_key


def _message(subject, *statuses, calendar=""):
    message = Message.objects.create(
        kind="test", subject=subject, text="body", html="<p>body</p>", calendar=calendar
    )
    for i, status in enumerate(statuses):
        Delivery.objects.create(
            message=message, email=f"{i}@example.org", status=status
        )
    return message


def _task(status):
    return DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": [], "kwargs": {}},
        task_path="x.y",
        backend_name="default",
        run_after=timezone.now(),
        finished_at=timezone.now() if status != "READY" else None,
    )


@pytest.fixture
def rows(user, settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    settings.RETENTION_DAYS = 90
    now = timezone.now()
    r = {}
    r["session_expired"] = _session(expires_in=-60)
    r["session_live"] = _session(expires_in=3600)

    r["bucket_old"] = RateLimitBucket.objects.create(
        key="old", tokens=0, updated_at=now - timedelta(days=1, minutes=1)
    )
    r["bucket_recent"] = RateLimitBucket.objects.create(
        key="recent", tokens=0, updated_at=now - timedelta(hours=23)
    )

    LoginToken.issue(user=user, purpose="signin", minutes=15)
    r["token_live"] = LoginToken.objects.get()
    LoginToken.issue(user=user, purpose="email_change", minutes=15, new_email="n@x.org")
    used = LoginToken.objects.exclude(pk=r["token_live"].pk).get()
    LoginToken.objects.filter(pk=used.pk).update(used_at=now)
    with _ago(minutes=20):
        LoginToken.issue(user=user, purpose="verify", minutes=15)

    with _ago(days=91):
        r["task_old_done"] = _task("SUCCESSFUL")
        r["task_old_failed"] = _task("FAILED")
        r["task_old_ready"] = _task("READY")
        r["msg_old_settled"] = _message(
            "a", "sent", "failed", "suppressed", calendar="X"
        )
        r["msg_old_pending"] = _message("b", "sent", "pending")
        r["msg_old_sending"] = _message("c", "sending")
    with _ago(days=89):
        r["task_recent_done"] = _task("SUCCESSFUL")
        r["msg_recent_settled"] = _message("d", "sent")
    return r


def test_housekeeping_deletes_spent_rows_and_keeps_the_rest(rows):
    counts = run_housekeeping()

    assert counts.sessions == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == [
        rows["session_live"]
    ]
    assert counts.rate_limit_buckets == 1
    assert list(RateLimitBucket.objects.values_list("key", flat=True)) == ["recent"]
    assert counts.login_tokens == 2
    assert list(LoginToken.objects.all()) == [rows["token_live"]]
    assert counts.task_results == 2
    assert set(DBTaskResult.objects.values_list("pk", flat=True)) == {
        rows["task_old_ready"].pk,
        rows["task_recent_done"].pk,
    }


def test_housekeeping_blanks_only_settled_old_bodies_and_keeps_rows(rows):
    counts = run_housekeeping()

    assert counts.message_bodies == 1
    assert Message.objects.count() == 4
    assert Delivery.objects.count() == 7
    settled = Message.objects.get(pk=rows["msg_old_settled"].pk)
    assert (settled.text, settled.html, settled.calendar) == ("", "", "")
    assert settled.subject == "a"
    assert settled.deliveries.filter(status="sent").count() == 1
    for key in ("msg_old_pending", "msg_old_sending", "msg_recent_settled"):
        message = Message.objects.get(pk=rows[key].pk)
        assert (message.text, message.html) == ("body", "<p>body</p>")

    # A second run finds nothing left to do.
    again = run_housekeeping()
    assert (again.sessions, again.login_tokens, again.message_bodies) == (0, 0, 0)


def test_retention_days_setting_moves_the_cutoff(rows, settings):
    settings.RETENTION_DAYS = 30
    counts = run_housekeeping()
    assert counts.task_results == 3
    assert counts.message_bodies == 2


def test_dry_run_counts_without_changing_anything(rows, capsys):
    call_command("housekeeping", "--dry-run")

    out = capsys.readouterr().out.strip().splitlines()
    assert out == [
        "housekeeping would clean: 1 sessions, 1 rate_limit_buckets, "
        "2 task_results, 2 login_tokens, 0 logo_files, 0 cover_files, "
        "1 message_bodies"
    ]
    assert Session.objects.count() == 2
    assert RateLimitBucket.objects.count() == 2
    assert LoginToken.objects.count() == 3
    assert DBTaskResult.objects.count() == 4
    assert Message.objects.exclude(text="").count() == 4


def test_command_prints_one_summary_line(rows, capsys):
    call_command("housekeeping")

    out = capsys.readouterr().out.strip().splitlines()
    assert out == [
        "housekeeping cleaned: 1 sessions, 1 rate_limit_buckets, "
        "2 task_results, 2 login_tokens, 0 logo_files, 0 cover_files, "
        "1 message_bodies"
    ]
    assert LoginToken.objects.count() == 1


@pytest.mark.parametrize("days", ["-1", "36501", "9" * 30])
def test_command_refuses_retention_days_out_of_range(db, days):
    with pytest.raises(
        CommandError, match=r"^--retention-days must be between 0 and 36500\.$"
    ):
        call_command("housekeeping", "--retention-days", days, "--dry-run")


def test_housekeeping_deletes_expired_sessions_of_the_accounts_engine(user):
    from accounts.models import Session as AccountsSession
    from accounts.sessions import SessionStore as AccountsStore

    live, expired = AccountsStore(), AccountsStore()
    for store, expiry in ((live, 3600), (expired, -60)):
        store["x"] = 1
        store.set_expiry(expiry)
        store.create()

    counts = run_housekeeping()

    assert counts.sessions == 1
    assert list(AccountsSession.objects.values_list("session_key", flat=True)) == [
        live.session_key
    ]
