"""The demo as it runs: DEBUG on, SQLite, several processes, the mailbox page."""

import os
import sqlite3
import subprocess
import sys
import threading
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.mail import EmailMultiAlternatives
from django.core.management import CommandError, call_command
from django.urls import reverse

from groups.models import Group
from notifications.backends import EmlFileBackend

ROOT = Path(__file__).resolve().parents[2]


def _demo_env(tmp_path, **extra):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DATABASE_URL", "SITE_URL"}
    }
    return {
        **clean,
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "MAIL_FILE_DIR": str(tmp_path / "mail"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        **extra,
    }


def _manage(env, *args, **kwargs):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


def _write_email(folder, *, to, subject, text):
    message = EmailMultiAlternatives(subject, text, "noreply@localhost", [to])
    EmlFileBackend(file_path=str(folder)).send_messages([message])


def test_demo_settings_use_wal_immediate_transactions_and_a_busy_timeout(tmp_path):
    code = (
        "from django.db import connection; connection.ensure_connection(); "
        "c = connection.cursor(); c.execute('PRAGMA journal_mode'); "
        "print(c.fetchone()[0], connection.settings_dict['OPTIONS'])"
    )
    result = _manage(_demo_env(tmp_path), "shell", "-c", code)

    assert result.returncode == 0, result.stderr
    assert "\nwal {" in result.stdout
    assert "'transaction_mode': 'IMMEDIATE'" in result.stdout
    assert "'timeout': 20" in result.stdout


@pytest.mark.slow
def test_demo_sender_survives_writes_from_other_processes(tmp_path):
    env = _demo_env(tmp_path)
    assert _manage(env, "migrate", "--noinput").returncode == 0
    assert _manage(env, "load_demo").returncode == 0
    db = tmp_path / "demo.sqlite3"
    sender = subprocess.Popen(
        [sys.executable, "manage.py", "send_mail_queue", "--loop", "--idle", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stop = threading.Event()

    def hammer():
        # Another writer (as runserver is), holding the write lock half the time.
        con = sqlite3.connect(db, timeout=30, isolation_level=None)
        while not stop.is_set():
            con.execute("BEGIN IMMEDIATE")
            con.execute("UPDATE core_ratelimitbucket SET tokens = tokens")
            time.sleep(0.05)
            con.execute("COMMIT")
            time.sleep(0.05)
        con.close()

    writer = threading.Thread(target=hammer)
    writer.start()
    try:
        code = (
            "from notifications import email\n"
            "for i in range(5):\n"
            "    email.send_verification_link(email=f'p{i}@example.org', "
            "name='P', url='http://127.0.0.1:9000/x', minutes=15)"
        )
        queued = _manage(env, "shell", "-c", code)
        assert queued.returncode == 0, queued.stderr
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if len(list((tmp_path / "mail").glob("*.eml"))) >= 5:
                break
            time.sleep(0.5)
        assert sender.poll() is None, sender.communicate()[1]
    finally:
        stop.set()
        writer.join()
        sender.terminate()
        _, errors = sender.communicate(timeout=30)
    assert "database is locked" not in errors
    assert len(list((tmp_path / "mail").glob("*.eml"))) >= 5


def test_mailbox_page_is_absent_without_debug(client, settings):
    settings.DEBUG = False

    response = client.get(reverse("core:dev_mailbox"))

    assert response.status_code == 404


@pytest.mark.django_db
def test_mailbox_page_lists_demo_emails_with_clickable_links(
    client, settings, tmp_path
):
    settings.DEBUG = True
    settings.MAIL_FILE_DIR = str(tmp_path)
    link = "http://127.0.0.1:9000/accounts/link/abc/"
    _write_email(tmp_path, to="ada@example.org", subject="Sign in", text=f"Go: {link}")

    response = client.get(reverse("core:dev_mailbox"))

    assert response.status_code == 200
    assert "Sign in" in response.content.decode()
    assert f'<a href="{link}"' in response.content.decode()
    assert "To ada@example.org" in response.content.decode()


@pytest.mark.django_db
def test_check_inbox_page_links_the_mailbox_only_in_the_demo(client, settings):
    settings.DEBUG = False
    data = {"email": "nobody@example.org"}
    without = client.post(reverse("accounts:signin"), data, follow=True)
    settings.DEBUG = True
    with_debug = client.post(reverse("accounts:signin"), data, follow=True)

    assert "Open the demo mailbox" not in without.content.decode()
    assert "Open the demo mailbox" in with_debug.content.decode()


def test_load_demo_refuses_a_database_with_people_in_it(user):
    with pytest.raises(CommandError, match="^The database has people in it"):
        call_command("load_demo", stdout=StringIO())

    assert Group.objects.exists() is False


def test_load_demo_if_empty_skips_a_database_with_people_in_it(user):
    out = StringIO()
    call_command("load_demo", "--if-empty", stdout=out)

    assert out.getvalue() == "Database has data already; demo not loaded.\n"


def test_the_demo_serves_uploaded_images_itself(tmp_path):
    code = (
        "from django.urls import resolve; "
        "print(resolve('/media/groups/logos/x.png').func.__name__)"
    )
    demo = _manage(_demo_env(tmp_path), "shell", "-c", code)
    production = _manage(
        _demo_env(tmp_path, DEBUG="false", SECRET_KEY="x" * 50), "shell", "-c", code
    )

    assert demo.stdout.strip().splitlines()[-1] == "serve"
    assert "Resolver404" in production.stderr
