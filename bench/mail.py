"""Bulk email benchmark: one mailing to 100,000 members, drained through SendGrid.

Creates a group with N members in an EMPTY PostgreSQL database, queues one owner
mailing to all of them through the real code path
(`mailings.services.mailing_queue`), then drains the outbox with the real
command (`manage.py send_mail_queue --once`, its own process) against the fake
SendGrid server (`python -m tests.fakes.sendgrid_server`, a third process), and
prints a table: time to queue, time to drain, API calls, recipients per second
and the sender's peak memory. Target: 100 API calls, under 60 s.

In the same run it measures the physical limit of that drain: the same
payloads (built again from the sent rows with the sender's own builder, not
timed) POSTed one after the other to the same fake over one reused
connection, plus one bare UPDATE of each batch's 1,000 delivery rows, each
committed on its own, as the sender commits. It prints the drain's ratio to
that limit; target: at most 1.5 at 100,000 recipients.

Two lines below the ratio are not part of it. One counts how many of the
limit's row updates PostgreSQL wrote as HOT (heap-only: no index entries,
possible only when no indexed column changes and the row's page has room).
The other times the same UPDATEs again after putting every row back to
`sending` (not timed), so that they make the state change the sender
really writes, which changes an indexed column (`status` is in the partial
indexes' conditions) and so is never HOT.

Run it in a throw-away cluster (Debian's pg_virtualenv), from the repository root:

    make bench-mail
    # or, by hand:
    pg_virtualenv -t sh -c 'SECRET_KEY=bench \\
        DATABASE_URL="postgres://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/$PGDATABASE" \\
        .venv/bin/python bench/mail.py --members 100000'
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
CHUNK = 5000
# The sender's From address, and so that of the limit's payloads.
FROM = "meetings <noreply@meetings.example.org>"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=1000)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("bench/mail.py needs DATABASE_URL pointing at an empty PostgreSQL.")

    import django

    os.environ["DEFAULT_FROM_EMAIL"] = FROM  # for _batches, as for the sender
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    mailing = _members_and_mailing(args.members)
    setup_s = time.perf_counter() - started

    from mailings.services import mailing_queue
    from notifications.models import Delivery

    started = time.perf_counter()
    mailing_queue(mailing=mailing)
    queue_s = time.perf_counter() - started

    fake, url = _start_fake()
    try:
        load_before = os.getloadavg()[0]
        db_before = _database_cpu()
        drain_s, usage, output = _drain(url, args.batch_size)
        db_s = _database_cpu() - db_before
        load_after = os.getloadavg()[0]
        stats = _stats(url)
        batches = _batches(args.batch_size)
        post_s = _post_all(url, batches)
        hot_before = _hot_updates()
        update_s = _update_all(batches)
        hot = _hot_updates() - hot_before
        _mark_sending()  # set up, not timed
        outcome_s = _update_all(batches)
    finally:
        fake.terminate()
        _, _, fake_usage = os.wait4(fake.pid, 0)
        fake.returncode = 0
    sender_s = usage.ru_utime + usage.ru_stime
    fake_s = fake_usage.ru_utime + fake_usage.ru_stime

    sent = Delivery.objects.filter(status=Delivery.Status.SENT).count()
    if sent != args.members or stats["accepted_personalizations"] != args.members:
        sys.exit(f"Not every recipient was sent once: {sent} rows sent, {stats}")
    rows = [
        ("members (recipients)", f"{args.members:,}"),
        ("create members (setup, not timed)", f"{setup_s:.1f} s"),
        ("queue the mailing (mailing_queue)", f"{queue_s:.1f} s"),
        ("drain (send_mail_queue --once)", f"{drain_s:.1f} s"),
        (
            "API calls (accepted / all)",
            f"{stats['accepted_requests']} / {stats['attempts']}",
        ),  # fmt: skip
        ("recipients per second (drain)", f"{args.members / drain_s:,.0f}"),
        (
            f"limit: {len(batches)} POSTs, one connection / {len(batches)} UPDATEs",
            f"{post_s:.1f} s / {update_s:.1f} s",
        ),  # fmt: skip
        ("limit (POSTs + UPDATEs)", f"{post_s + update_s:.1f} s"),
        ("drain / limit", f"{drain_s / (post_s + update_s):.2f}"),
        (
            "limit's UPDATEs: row versions written without index entries (HOT)",
            f"{hot:,} of {args.members:,}",
        ),  # fmt: skip
        (
            f"not in the limit: the {len(batches)} UPDATEs on rows left `sending`",
            f"{outcome_s:.1f} s",
        ),  # fmt: skip
        ("queue + drain", f"{queue_s + drain_s:.1f} s"),
        (
            "CPU: sender / PostgreSQL / fake SendGrid",
            f"{sender_s:.1f} s / {db_s:.1f} s / {fake_s:.1f} s",
        ),  # fmt: skip
        ("sender peak memory (max RSS)", f"{usage.ru_maxrss / 1024:.0f} MiB"),
        ("load average before / after drain", f"{load_before:.1f} / {load_after:.1f}"),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"| {'measure':<{width}} | value |")
    print(f"|{'-' * (width + 2)}|-------|")
    for name, value in rows:
        print(f"| {name:<{width}} | {value} |")
    print(f"\nsender said: {output.strip().splitlines()[-1]}")
    return 0


def _members_and_mailing(count: int):
    from accounts.models import User
    from groups.models import Group, Membership
    from mailings.models import Mailing

    if User.objects.exists():
        sys.exit("bench/mail.py needs an empty database (it creates its own people).")
    group = Group.objects.create(name="Bench", slug="bench-mail")
    for start in range(0, count, CHUNK):
        users = User.objects.bulk_create(
            User(email=f"member{i:06}@example.org", name=f"Member {i}", password="!")
            for i in range(start, min(start + CHUNK, count))
        )
        Membership.objects.bulk_create(
            Membership(user=user, group=group, role="member") for user in users
        )
    owner = User.objects.get(email="member000000@example.org")
    Membership.objects.filter(user=owner).update(role="owner")
    return Mailing.objects.create(
        group=group,
        audience=Mailing.Audience.MEMBERS,
        subject="Our next meetup",
        body="Hello everyone,\n\nsee you **next Thursday** at the usual place.",
        author=owner,
    )


def _start_fake() -> tuple[subprocess.Popen, str]:
    fake = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.sendgrid_server", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = fake.stdout.readline().strip()
    if not line.startswith("listening on "):
        fake.kill()
        sys.exit(f"The fake SendGrid did not start: {line!r}")
    return fake, line.removeprefix("listening on ")


def _drain(url: str, batch_size: int):
    """Run the real command in its own process; returns seconds, rusage, output."""
    env = {
        **os.environ,
        "SENDGRID_API_KEY": "SG.bench",
        "SENDGRID_API_HOST": url,
        "DEFAULT_FROM_EMAIL": FROM,
        "LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable, "manage.py", "send_mail_queue", "--once",
        "--batch-size", str(batch_size),
    ]  # fmt: skip
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read()
    if process.returncode:
        sys.exit(f"send_mail_queue failed ({process.returncode}): {output}")
    return elapsed, usage, output


def _batches(batch_size: int) -> list[tuple[list[int], bytes]]:
    """The drain's batches again: (delivery ids, the JSON body the sender POSTs).

    Built with the sender's own payload builder from the sent rows, in the
    order the sender claims them; building is not part of the limit.
    """
    from django.utils import timezone

    from notifications.models import Delivery, Message
    from notifications.sender import CLAIMED_FIELDS, Claimed, _payload

    message = Message.objects.get()
    now = timezone.now()
    rows = [
        Claimed(*values[:7], claimed_at=now)
        for values in Delivery.objects.filter(message=message)
        .order_by("pk")
        .values_list(*CLAIMED_FIELDS)
    ]
    batches = []
    for start in range(0, len(rows), batch_size):
        part = rows[start : start + batch_size]
        body = json.dumps(_payload(message, part)).encode()
        batches.append(([row.pk for row in part], body))
    return batches


def _post_all(url: str, batches: list[tuple[list[int], bytes]]) -> float:
    """Seconds to POST every body to the fake over one kept-alive connection."""
    address = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(address.netloc, timeout=30)
    headers = {
        "Authorization": "Bearer SG.bench",
        "Content-Type": "application/json",
    }
    started = time.perf_counter()
    for _, body in batches:
        connection.request("POST", "/v3/mail/send", body, headers)
        response = connection.getresponse()
        response.read()
        if response.status != 202:
            sys.exit(f"The fake refused a limit payload: HTTP {response.status}")
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def _update_all(batches: list[tuple[list[int], bytes]]) -> float:
    """Seconds for one bare UPDATE of each batch's rows, each committed alone."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for ids, _ in batches:
            cursor.execute(
                "UPDATE notifications_delivery SET status = 'sent', sent_at = now()"
                " WHERE id = ANY(%s)",
                [ids],
            )
    return time.perf_counter() - started


def _hot_updates() -> int:
    """Row updates of the delivery table so far that were HOT (no index entries)."""
    from django.db import connection

    with connection.cursor() as cursor:
        # Statistics reach the shared counters when a backend goes idle.
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute(
            "SELECT n_tup_hot_upd FROM pg_stat_user_tables"
            " WHERE relname = 'notifications_delivery'"
        )
        return cursor.fetchone()[0]


def _mark_sending() -> None:
    """Put every sent row back to `sending`, as a claim leaves it; not timed.

    The limit's UPDATEs rewrite rows that are already sent; this sets up the
    same UPDATEs as the state change the sender really writes (sending ->
    sent), which changes an indexed column and so writes every index.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE notifications_delivery SET status = 'sending', sent_at = NULL"
        )


def _database_cpu() -> float:
    """CPU seconds used so far by this PostgreSQL server and its finished backends.

    The machine is shared, so wall time alone says little; CPU time does not
    depend on what else runs. Reads /proc (Linux) for the postmaster and its
    children; a backend that has exited is counted in the postmaster's cutime.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW data_directory")
        data_directory = Path(cursor.fetchone()[0])
    postmaster = int((data_directory / "postmaster.pid").read_text().split()[0])
    return process_cpu(postmaster)


def process_cpu(root: int) -> float:
    """CPU seconds used so far by process `root` and its children, live ones
    and (in `root`'s cutime and cstime) those it has reaped. Reads /proc."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        pid, parent = int(stat.parent.name), int(fields[1])
        if pid == root:
            total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
        elif parent == root:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _stats(url: str) -> dict:
    with urllib.request.urlopen(f"{url}/__fake__/stats", timeout=10) as response:
        return json.load(response)


if __name__ == "__main__":
    raise SystemExit(main())
