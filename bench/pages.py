"""Page benchmark at community scale: requests/second, latency and SQL per page.

Seeds a PostgreSQL database (20,000 members, 200 groups, 1,000 events, one event
with 5,000 RSVPs, one group with all 20,000 members), serves it with gunicorn as
production does (config/gunicorn.py, DEBUG off, persistent connections), loads
each main page with wrk over loopback and prints a table. Each page's ratio is
to the empty page of the same kind, loaded just before and just after it:
anonymous pages to the anonymous empty page, signed-in pages to the signed-in
one. A trivial Django view served the same way is the ceiling.

Then the announcement: the event page under wrk while a real
`manage.py send_mail_queue` drains a mailing to the big group's 20,000 members
(queued with mailings.services.mailing_queue, as the Send button does) into
the fake SendGrid (`python -m tests.fakes.sendgrid_server`), on the same
database; the page's req/s and the drain's recipients/s, each against itself
alone.

Run it in a throw-away cluster (Debian's pg_virtualenv), from the repository root:

    pg_virtualenv -t sh -c 'SECRET_KEY=bench \\
        DATABASE_URL="postgres://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/$PGDATABASE" \\
        .venv/bin/python bench/pages.py --duration 8'

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
    parser.add_argument(
        "--only",
        nargs="*",
        default=[],
        help="Pages whose label contains one of these words (and the references).",
    )
    parser.add_argument(
        "--no-announcement", action="store_true", help="Skip the announcement."
    )
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
    """Statistics for the planner, and the dead rows of the bulk load gone, as
    autovacuum leaves a running site (each counted row rewrote its counts row)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


# --- the pages -------------------------------------------------------------------


REFERENCE = {False: "reference: empty page", True: "reference: empty page, signed in"}


def pages(only: list[str]) -> list[tuple[str, str, bool]]:
    """(label, path, signed in) for every page measured, the ceiling first.

    Public pages are measured both ways: a signed-in page loads the session
    and the person too, and shows more (your groups' events, reply buttons).
    Calendar apps fetch feeds without cookies, so feeds are anonymous.
    """
    from events.models import Event

    big_event = Event.objects.get(uid="bench-0@meetings")
    event = f"/events/{big_event.pk}/"
    group = f"/groups/{BIG_GROUP}/"
    every = [
        (CEILING, "/bench/trivial/", False),
        # The floor of any page: the layout, and the session and user rows.
        (REFERENCE[False], "/accounts/check-inbox/", False),
        (REFERENCE[True], "/accounts/check-inbox/", True),
        ("home", "/", False),
        ("home", "/", True),
        ("groups list", "/groups/", False),
        ("groups list", "/groups/", True),
        ("group", group, False),
        ("group", group, True),
        ("events list", "/events/", False),
        ("events list", "/events/", True),
        ("event", event, False),
        ("event", event, True),
        ("event attendees", f"{event}attendees/", True),
        ("member list", f"{group}members/", True),
        ("group .ics feed", f"{group}calendar.ics", False),
        ("personal .ics feed", personal_feed(), False),
    ]
    return [
        page
        for page in every
        if page[0] in (CEILING, *REFERENCE.values())
        or not only
        or any(word in page[0] for word in only)
    ]


def personal_feed() -> str:
    """The private feed address of the viewer (who attends the big event)."""
    from accounts.models import User
    from events.models import CalendarFeed

    feed, _ = CalendarFeed.objects.get_or_create(
        user=User.objects.get(email=VIEWER),
        defaults={"token": CalendarFeed.new_token()},
    )
    return feed.get_absolute_url()


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
    """One request at a time, in this process: SQL queries, SQL ms and total ms,
    and the CPU time of Django and of PostgreSQL per request.

    Calls Django's WSGI handler directly, as gunicorn does: no HTTP and no load
    generator, and the median of `runs` requests, so other work on the machine
    disturbs it far less than the req/s columns. Wall times still grow with
    the load (a query waits for a CPU twice); CPU times do not, so they are
    the figures to compare across runs: Django's is this thread's, the
    median; PostgreSQL's is its backend process's (read from /proc, in clock
    ticks), the mean over the runs.
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

    def get() -> tuple[float, float, int, float]:
        sql.clear()
        started, cpu, status = time.perf_counter(), time.thread_time(), []
        with connection.execute_wrapper(timed):
            body = app({**environ, "wsgi.input": io.BytesIO()}, _keep(status))
            b"".join(body)
        if not status[0].startswith("200"):
            sys.exit(f"bench/pages.py: {path} answered {status[0]}.")
        elapsed = time.perf_counter() - started
        return elapsed, sum(sql), len(sql), time.thread_time() - cpu

    connection.close()  # a fresh connection: one backend for all the runs
    get()  # warms caches, as a running server has them warm
    backend = _backend_cpu()
    samples = [get() for _ in range(runs)]
    database_cpu = (_backend_cpu() - backend) / runs
    total, sql_time, queries, _ = sorted(samples)[len(samples) // 2]
    django_cpu = sorted(sample[3] for sample in samples)[len(samples) // 2]
    return {
        "queries": queries,
        "sql_ms": sql_time * 1000,
        "ms": total * 1000,
        "django_cpu_ms": django_cpu * 1000,
        "database_cpu_ms": database_cpu * 1000,
    }


def _backend_cpu() -> float:
    """CPU seconds used so far by the PostgreSQL backend of this connection."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


def _wrk(url: str, cookie: str | None, args, duration: str) -> list[str]:
    headers = ["-H", "X-Forwarded-Proto: https"]
    if cookie:
        headers += ["-H", f"Cookie: {cookie}"]
    base = ["wrk", f"-t{args.threads}", f"-c{args.connections}", "--latency"]
    return [*base, "--timeout", "10s", f"-d{duration}", *headers, url]


def load(url: str, cookie: str | None, args, server: int) -> dict[str, float]:
    """Run wrk on one URL: requests/second, the p50 and p99 latency in ms, and
    the CPU ms per request of the server (`server`: gunicorn's pid) and the
    database together."""
    subprocess.run(_wrk(url, cookie, args, "2s"), capture_output=True, check=True)
    cpu = _serving_cpu(server)
    done = subprocess.run(
        _wrk(url, cookie, args, f"{args.duration}s"),
        capture_output=True,
        text=True,
        check=True,
    )
    return _wrk_results(url, done.stdout, cpu=_serving_cpu(server) - cpu)


def _wrk_results(url: str, out: str, *, cpu: float) -> dict[str, float]:
    if "Non-2xx or 3xx responses" in out or "Socket errors" in out:  # incl. timeouts
        sys.exit(f"bench/pages.py: errors while loading {url}:\n{out}")
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),
        "p99": _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),
        "cpu_ms": cpu * 1000 / max(requests, 1),
    }


def _serving_cpu(server: int) -> float:
    """CPU seconds used so far by gunicorn and by PostgreSQL.

    gunicorn: the master, its live workers, and (in the master's cutime) the
    workers it recycled and reaped. PostgreSQL: bench.mail._database_cpu.
    Other work on the machine does not count, so, per request, this is what
    a machine of its own would have to spend.
    """
    from bench.mail import _database_cpu, process_cpu

    return process_cpu(server) + _database_cpu()


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


# --- the announcement ------------------------------------------------------------


def announcement(
    url: str, cookie: str, args, server: int
) -> dict[str, dict[str, float]]:
    """The event page and a 20,000-recipient drain, each alone and together.

    The drain alone and the page alone run one after the other, then both at
    once: wrk loads the page from the sender's start until its exit, so the
    page's req/s is over exactly the drain's time.
    """
    from bench.mail import _start_fake

    fake, fake_url = _start_fake()
    try:
        print("announcement: the drain alone", file=sys.stderr)
        drain_alone = _drain(fake_url, _queue_announcement())
        print("announcement: the event page alone", file=sys.stderr)
        page_alone = load(url, cookie, args, server)
        print("announcement: both at once", file=sys.stderr)
        recipients = _queue_announcement()
        cpu = _serving_cpu(server)
        wrk = subprocess.Popen(
            _wrk(url, cookie, args, "600s"), stdout=subprocess.PIPE, text=True
        )
        try:
            drain_together = _drain(fake_url, recipients)
        finally:
            wrk.send_signal(signal.SIGINT)  # wrk stops and prints its totals
            out, _ = wrk.communicate(timeout=30)
        page_together = _wrk_results(url, out, cpu=_serving_cpu(server) - cpu)
    finally:
        fake.terminate()
        fake.wait(timeout=30)
    return {
        "page": {"alone": page_alone, "together": page_together},
        "drain": {"alone": drain_alone, "together": drain_together},
    }


def _queue_announcement() -> int:
    """Queue an owner's mailing to every member of the big group; recipients."""
    from accounts.models import User
    from events.models import Event
    from groups.models import Group
    from mailings.models import Mailing
    from mailings.services import mailing_queue

    mailing = Mailing.objects.create(
        group=Group.objects.get(slug=BIG_GROUP),
        event=Event.objects.get(uid="bench-0@meetings"),
        audience=Mailing.Audience.MEMBERS,
        subject="Big Meetup: the talks are out",
        body="Hello everyone,\n\nthe **talks** are out: see the event page.",
        author=User.objects.get(email="member1@bench.example.org"),
    )
    mailing_queue(mailing=mailing)
    return mailing.recipient_count


def _drain(fake_url: str, recipients: int) -> float:
    """Run `send_mail_queue --once` as its own process; recipients per second.

    The time includes the process's start (Django's setup), alone and under
    load alike.
    """
    from bench.mail import FROM
    from notifications.models import Delivery

    env = {
        **os.environ,
        "SENDGRID_API_KEY": "SG.bench",
        "SENDGRID_API_HOST": fake_url,
        "DEFAULT_FROM_EMAIL": FROM,
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "manage.py", "send_mail_queue", "--once"]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode:
        sys.exit(f"send_mail_queue failed ({done.returncode}): {done.stderr}")
    pending = Delivery.objects.exclude(status=Delivery.Status.SENT).count()
    if pending:
        sys.exit(f"bench/pages.py: {pending} deliveries left unsent after the drain.")
    return recipients / elapsed


# --- the run ---------------------------------------------------------------------


def main() -> None:
    args = parse_args()
    setup_django(args.port)
    seed(args.reseed)
    cookie = session_cookie()
    measured = [
        (label, path, signed_in, cookie if signed_in else None)
        for label, path, signed_in in pages(args.only)
    ]
    in_process = {(label, s): measure(path, c) for label, path, s, c in measured}
    load_before = _loadavg()
    server = start_gunicorn(args.port)
    try:  # always stop gunicorn, whatever fails
        results, beside = load_all(measured, args, server.pid)
        burst = None
        if not args.no_announcement:
            from events.models import Event

            event = Event.objects.get(uid="bench-0@meetings")
            url = f"http://127.0.0.1:{args.port}{event.get_absolute_url()}"
            burst = announcement(url, cookie, args, server.pid)
    finally:
        stop(server)
    print_table(results, beside, in_process, args, loads=(load_before, _loadavg()))
    if burst is not None:
        print_announcement(burst)


def load_all(measured: list, args, server: int) -> tuple[dict, dict]:
    """Load every page with wrk, each between two loads of its reference.

    The machine is shared, so the CPU left for the bench changes from one
    page to the next; a page is compared with its reference loaded just
    before and just after it. Returns the results by (label, signed in), in
    the order of `measured` (a reference's are the mean of its loads), and
    the reference's req/s beside each page (the mean of those two loads).
    """

    def run(label: str, path: str, cookie: str | None) -> dict[str, float]:
        print(f"loading {label} ({path}) for {args.duration} s", file=sys.stderr)
        return load(f"http://127.0.0.1:{args.port}{path}", cookie, args, server)

    results, beside = {}, {}
    for label, path, signed_in, cookie in measured:
        if label == CEILING:
            results[label, signed_in] = run(label, path, cookie)
    for signed_in in (False, True):
        reference = next(m for m in measured if m[0] == REFERENCE[signed_in])
        loads = [run(*reference[:2], reference[3])]
        for label, path, kind, cookie in measured:
            if kind != signed_in or label in (CEILING, reference[0]):
                continue
            results[label, kind] = run(label, path, cookie)
            loads.append(run(*reference[:2], reference[3]))
            beside[label, kind] = _mean(loads[-2:])
        results[reference[0], signed_in] = beside[reference[0], signed_in] = _mean(
            loads
        )
    order = [(label, signed_in) for label, _, signed_in, _ in measured]
    return {key: results[key] for key in order}, beside


def _mean(loads: list[dict[str, float]]) -> dict[str, float]:
    return {key: sum(r[key] for r in loads) / len(loads) for key in loads[0]}


def _loadavg() -> str:
    return Path("/proc/loadavg").read_text().strip()


def print_table(results: dict, beside: dict, in_process: dict, args, *, loads) -> None:
    print(
        f"\nwrk -t{args.threads} -c{args.connections} -d{args.duration}s over "
        f"loopback, gunicorn config/gunicorn.py, {os.cpu_count()} cores; "
        f"/proc/loadavg before: {loads[0]}, after: {loads[1]}\n"
    )
    print(
        "| page | signed in | req/s | p99 ms | server CPU ms/req "
        "| reference req/s, CPU ms/req | of reference: req/s, CPU "
        "| SQL queries | SQL ms | one request ms | CPU ms: Django / PostgreSQL |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for (label, signed_in), r in results.items():
        one = in_process[label, signed_in]
        ref = beside.get((label, signed_in))
        around = ratios = ""
        if ref is not None:
            around = f"{ref['rps']:.0f}, {ref['cpu_ms']:.1f}"
            ratios = f"{r['rps'] / ref['rps']:.2f}, {ref['cpu_ms'] / r['cpu_ms']:.2f}"
        print(
            f"| {label} | {'yes' if signed_in else 'no'} | {r['rps']:.0f} "
            f"| {r['p99']:.0f} | {r['cpu_ms']:.1f} | {around} | {ratios} "
            f"| {one['queries']} | {one['sql_ms']:.1f} | {one['ms']:.1f} "
            f"| {one['django_cpu_ms']:.1f} / {one['database_cpu_ms']:.1f} |"
        )
    print(
        "\nThe reference is the empty page of the same kind (anonymous or signed "
        "in), loaded just before and just after the page (the mean of those two "
        'loads; for a reference itself, of all its loads). "of reference": '
        "the page's req/s over the reference's, and the reference's server CPU "
        "per request over the page's, which is the ratio of req/s a machine of "
        "their own would show (server CPU: gunicorn and PostgreSQL, not wrk). "
        "The last four columns: one request at a time, in-process through "
        "Django's WSGI handler (median of 40; PostgreSQL's CPU: mean)."
    )


def print_announcement(burst: dict) -> None:
    page, drain = burst["page"], burst["drain"]
    alone, together = page["alone"], page["together"]
    print("\nThe announcement: the event page (signed in) while 20,000 emails drain.\n")
    print("| measure | alone | together | together / alone |")
    print("|---|---:|---:|---:|")
    print(
        f"| event page, req/s | {alone['rps']:.0f} | {together['rps']:.0f} "
        f"| {together['rps'] / alone['rps']:.2f} |"
    )
    print(f"| event page, p99 ms | {alone['p99']:.0f} | {together['p99']:.0f} | |")
    print(
        f"| drain, recipients/s | {drain['alone']:,.0f} | {drain['together']:,.0f} "
        f"| {drain['together'] / drain['alone']:.2f} |"
    )
    print(
        "\nThe drain is `manage.py send_mail_queue --once` into the fake SendGrid, "
        "timed from its start (Django's setup included) to its exit. Together, "
        f"the server spent {together['cpu_ms']:.1f} CPU ms per page request "
        f"({alone['cpu_ms']:.1f} alone), gunicorn and PostgreSQL (whose CPU "
        "includes the drain's queries)."
    )


if __name__ == "__main__":
    main()
