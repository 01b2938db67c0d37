"""Page benchmark at community scale: requests/second, latency and SQL per page.

Seeds a PostgreSQL database (20,000 members, 200 groups, 1,000 events, one event
with 5,000 RSVPs, one group with all 20,000 members), serves it with gunicorn as
production does (config/gunicorn.py, DEBUG off, persistent connections), loads
each main page with wrk over loopback and prints a table. A trivial Django view
served the same way is the ceiling; each page's ratio to it is the last column.

    DATABASE_URL=postgres://user:pass@127.0.0.1:5432/meetings_bench \\
        .venv/bin/python bench/pages.py [--duration 10] [--connections 16]

The database is seeded once and reused (`--reseed` starts again). It needs
`wrk` (apt-get install wrk). Not a test: it prints numbers, it asserts nothing.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MEMBERS = 20_000
GROUPS = 200
EVENTS = 1_000
BIG_EVENT_RSVPS = 5_000
BIG_GROUP = "bench-big"
# A plain member (the first three are owners) attending the big event.
VIEWER = "member10@bench.example.org"
CEILING = "trivial view (ceiling)"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="Seconds per page.")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections.")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads.")
    parser.add_argument("--port", type=int, default=8791, help="gunicorn port.")
    parser.add_argument("--reseed", action="store_true", help="Empty and reseed.")
    return parser.parse_args()


def setup_django(port: int, *, need_wrk: bool = True) -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench/pages.py: set DATABASE_URL to a PostgreSQL database.")
    if need_wrk and shutil.which("wrk") is None:
        sys.exit("bench/pages.py: wrk is missing (apt-get install wrk).")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1",
        SITE_URL=f"http://127.0.0.1:{port}",
        LOG_LEVEL="WARNING",
    )
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    import django

    django.setup()


# --- seeding -------------------------------------------------------------------


def seed(reseed: bool) -> None:
    from django.core.management import call_command

    from groups.models import Group

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    if Group.objects.filter(slug=BIG_GROUP).exists() and not reseed:
        print("Reusing the seeded database (--reseed starts again).")
        return
    call_command("flush", "--noinput", verbosity=0)
    started = time.monotonic()
    _seed()
    _analyze()
    print(f"Seeded in {time.monotonic() - started:.0f} s.")


def _seed() -> None:
    from django.utils import timezone

    from accounts.models import User
    from events.models import Event, Rsvp
    from groups.models import Group, Membership

    rng = random.Random(7)
    now = timezone.now()
    users = User.objects.bulk_create(
        [
            User(
                email=f"member{i}@bench.example.org",
                name=f"Member {i}",
                password="!",
                email_verified_at=now,
                date_joined=now - timedelta(days=rng.randint(0, 900)),
            )
            for i in range(1, MEMBERS + 1)
        ],
        batch_size=5000,
    )
    description = "We meet monthly. **Talks**, [code](https://example.org), pizza.\n"
    groups = Group.objects.bulk_create(
        [Group(name="Big Community", slug=BIG_GROUP, description=description * 3)]
        + [
            Group(name=f"Group {i:03}", slug=f"group-{i:03}", description=description)
            for i in range(1, GROUPS)
        ]
    )
    big = groups[0]
    memberships = [
        Membership(
            user=user,
            group=big,
            role="owner" if n < 3 else "member",
            joined_at=now - timedelta(days=rng.randint(0, 900), seconds=n),
        )
        for n, user in enumerate(users)
    ]
    for group in groups[1:]:
        for n, user in enumerate(rng.sample(users, 60)):
            role = "owner" if n < 2 else "member"
            memberships.append(Membership(user=user, group=group, role=role))
    Membership.objects.bulk_create(memberships, batch_size=5000)

    events = []
    for n in range(EVENTS):
        group = big if n < 100 else groups[1 + n % (GROUPS - 1)]
        days = rng.randint(-400, 120) if n else 14
        start = (now + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
        events.append(
            Event(
                group=group,
                title="Big Meetup" if n == 0 else f"Meetup {n}",
                description=description,
                start=start,
                end=start + timedelta(hours=2),
                timezone="Europe/Berlin",
                venue="Town hall",
                uid=f"bench-{n}@meetings",
            )
        )
    events = Event.objects.bulk_create(events, batch_size=1000)
    big_event = events[0]
    rsvps = [
        Rsvp(event=big_event, user=user, status="attending")
        for user in users[:BIG_EVENT_RSVPS]
    ]
    members_of = {}
    for m in memberships:
        members_of.setdefault(m.group_id, []).append(m.user)
    for event in events[1:]:
        for user in rng.sample(members_of[event.group_id], 12):
            status = rng.choice(["attending", "attending", "not_attending"])
            rsvps.append(Rsvp(event=event, user=user, status=status))
    Rsvp.objects.bulk_create(rsvps, batch_size=5000)


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- the pages -------------------------------------------------------------------


def pages() -> list[tuple[str, str, bool]]:
    """(label, path, signed in) for every page measured, the ceiling first."""
    from events.models import Event

    big_event = Event.objects.get(uid="bench-0@meetings")
    return [
        (CEILING, "/bench/trivial/", False),
        # The floor of any page: the layout, and the session and user rows.
        ("reference: empty page", "/accounts/check-inbox/", False),
        ("reference: empty page, signed in", "/accounts/check-inbox/", True),
        ("home, anonymous", "/", False),
        ("home, signed in", "/", True),
        ("group", f"/groups/{BIG_GROUP}/", True),
        ("event", f"/events/{big_event.pk}/", True),
        ("member list", f"/groups/{BIG_GROUP}/members/", True),
        ("event attendees", f"/events/{big_event.pk}/attendees/", True),
        ("group .ics feed", f"/groups/{BIG_GROUP}/calendar.ics", False),
    ]


def session_cookie() -> str:
    """A signed-in session for a member of the big group, stored in the database."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from accounts.models import User

    user = User.objects.get(email=VIEWER)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "accounts.backends.EmailTokenBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def measure(path: str, cookie: str | None, runs: int = 40) -> dict[str, float]:
    """One request at a time, in this process: SQL queries, SQL ms and total ms.

    Calls Django's WSGI handler directly, as gunicorn does: no HTTP and no load
    generator, and the median of `runs` requests, so other work on the machine
    disturbs it far less than the req/s columns.
    """
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    app = WSGIHandler()
    path, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_X_FORWARDED_PROTO": "https",
        "wsgi.url_scheme": "http",
        **({"HTTP_COOKIE": cookie} if cookie else {}),
    }
    sql = []

    def timed(execute, *args):
        started = time.perf_counter()
        try:
            return execute(*args)
        finally:
            sql.append(time.perf_counter() - started)

    def get() -> tuple[float, float, int]:
        sql.clear()
        started, status = time.perf_counter(), []
        with connection.execute_wrapper(timed):
            body = app({**environ, "wsgi.input": io.BytesIO()}, _keep(status))
            b"".join(body)
        if not status[0].startswith("200"):
            sys.exit(f"bench/pages.py: {path} answered {status[0]}.")
        return time.perf_counter() - started, sum(sql), len(sql)

    get()  # warms caches, as a running server has them warm
    samples = sorted(get() for _ in range(runs))
    total, sql_time, queries = samples[len(samples) // 2]
    return {"queries": queries, "sql_ms": sql_time * 1000, "ms": total * 1000}


def _keep(status: list):
    return lambda line, headers, *exc: status.append(line)


# --- serving and loading ---------------------------------------------------------


GUNICORN_LOG = ROOT / "var" / "bench-gunicorn.log"


def start_gunicorn(port: int) -> subprocess.Popen:
    GUNICORN_LOG.parent.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_ACCESS_LOG": os.devnull,
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--config",
            "config/gunicorn.py",
            "config.wsgi",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=GUNICORN_LOG.open("w"),
        start_new_session=True,
    )
    # Behind nginx in production: without this header DEBUG-off Django
    # redirects to HTTPS.
    probe = urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz", headers={"X-Forwarded-Proto": "https"}
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(probe, timeout=5):
                return server
        except OSError:  # refused, reset or timed out: not up yet
            time.sleep(0.5)
    stop(server)
    sys.exit(f"bench/pages.py: gunicorn did not start; see {GUNICORN_LOG}.")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=40)


def load(url: str, cookie: str | None, args) -> dict[str, float]:
    """Run wrk on one URL; requests/second and the p50 and p99 latency in ms."""
    headers = ["-H", "X-Forwarded-Proto: https"]
    if cookie:
        headers += ["-H", f"Cookie: {cookie}"]
    base = ["wrk", f"-t{args.threads}", f"-c{args.connections}", "--latency"]
    base += ["--timeout", "10s"]
    subprocess.run([*base, "-d2s", *headers, url], capture_output=True, check=True)
    done = subprocess.run(
        [*base, f"-d{args.duration}s", *headers, url],
        capture_output=True,
        text=True,
        check=True,
    )
    out = done.stdout
    if "Non-2xx or 3xx responses" in out or "Socket errors" in out:  # incl. timeouts
        sys.exit(f"bench/pages.py: errors while loading {url}:\n{out}")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),
        "p99": _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),
    }


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


def main() -> None:
    args = parse_args()
    setup_django(args.port)
    seed(args.reseed)
    cookie = session_cookie()
    measured = [
        (label, path, cookie if signed_in else None)
        for label, path, signed_in in pages()
    ]
    in_process = {label: measure(path, c) for label, path, c in measured}
    server = start_gunicorn(args.port)
    try:  # always stop gunicorn, whatever fails
        results = {}
        for label, path, c in measured:
            print(f"loading {label} ({path}) for {args.duration} s", file=sys.stderr)
            results[label] = load(f"http://127.0.0.1:{args.port}{path}", c, args)
    finally:
        stop(server)
    print_table(results, in_process, args)


def print_table(results: dict, in_process: dict, args) -> None:
    ceiling = results[CEILING]["rps"]
    print(
        f"\nwrk -t{args.threads} -c{args.connections} -d{args.duration}s over "
        f"loopback, gunicorn config/gunicorn.py, {os.cpu_count()} cores\n"
    )
    print(
        "| page | req/s | p50 ms | p99 ms | of ceiling "
        "| SQL queries | SQL ms | one request ms |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, r in results.items():
        one = in_process[label]
        print(
            f"| {label} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} "
            f"| {r['rps'] / ceiling:.2f} | {one['queries']} | {one['sql_ms']:.1f} "
            f"| {one['ms']:.1f} |"
        )
    print(
        "\nThe last three columns: one request at a time, in-process through "
        "Django's WSGI handler (median of 40)."
    )


if __name__ == "__main__":
    main()
