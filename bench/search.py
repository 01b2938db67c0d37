"""Search and filters of /events/ and /groups/ at community scale: plans and timings.

Seeds (or reuses) the database of bench/pages.py (20,000 members, 200 groups,
1,000 events), gives its events and groups varied words once (topics in titles
and names, venues, online links, a second sentence per description), then
prints, for each search the two pages run:

- the query plans of the page's SQL (EXPLAIN ANALYZE: the scans used and the
  median execution time of 5 runs) with the GIN indexes of events/0003 and
  groups/0003, and again without them (dropped in a transaction rolled back);
- the page itself, one request at a time in this process (bench/pages.py's
  `measure`): SQL queries, SQL ms and the median total of 40 requests.

    DATABASE_URL=postgres://user:pass@127.0.0.1:5432/meetings_bench \\
        .venv/bin/python bench/search.py [--plans] [--reseed]

Not a test: it prints numbers, it asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import pages  # noqa: E402

TOPICS = [
    "Rust", "Python", "Kotlin", "Go", "Haskell", "Elixir", "WebAssembly",
    "Postgres", "Kubernetes", "Security", "Testing", "Design", "Data science",
    "Embedded", "Accessibility", "Open source", "Career", "Frontend", "Linux",
    "Compilers",
]  # fmt: skip
WORDS = [
    "async", "macros", "lifetimes", "tracing", "profiling", "caching", "queues",
    "replication", "sharding", "indexes", "fuzzing", "mutation", "contracts",
    "sensors", "firmware", "screen readers", "keyboards", "mentoring", "hiring",
    "parsers", "borrow checker", "garbage collection", "type classes", "actors",
]  # fmt: skip
VENUES = ["Town hall", "c-base, Berlin", "Public library", "Coworking space", ""]
BIG = pages.BIG_GROUP
# (label, the page's address): each search and filter the pages offer.
SEARCHES = [
    ("events, no filter", "/events/"),
    ("events, past", "/events/?when=past"),
    ("events, a topic (about 1 in 20)", "/events/?q=rust"),
    ("events, a word in every event", "/events/?q=pizza"),
    ("events, one topic or another", "/events/?q=rust+or+kotlin"),
    ("events, no match", "/events/?q=zeppelin"),
    ("events, past, topic, online", "/events/?q=python&when=past&format=online"),
    ("events, a group, in person", f"/events/?group={BIG}&format=in_person"),
    ("groups, no filter", "/groups/"),
    ("groups, a topic", "/groups/?q=kotlin"),
    ("groups, a word in every group", "/groups/?q=pizza"),
]  # fmt: skip


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plans", action="store_true", help="Print every plan.")
    parser.add_argument("--reseed", action="store_true", help="Empty and reseed.")
    return parser.parse_args()


def vary_text() -> None:
    """Topics, venues, online links and a second sentence; once per database."""
    from events.models import Event
    from groups.models import Group

    if not Event.objects.filter(title__startswith="Meetup ").exists():
        return
    rng = random.Random(11)
    events = list(Event.objects.order_by("pk"))
    for n, event in enumerate(events):
        topic = rng.choice(TOPICS)
        event.title = f"{topic} meetup {n}"
        event.venue = rng.choice(VENUES)
        online = not event.venue or rng.random() < 0.2
        event.online_url = f"https://meet.example.org/{n}" if online else ""
        words = " and ".join(rng.sample(WORDS, 2))
        event.description += f"This time: {topic}, {words}.\n"
    Event.objects.bulk_update(
        events, ["title", "venue", "online_url", "description"], batch_size=500
    )
    groups = list(Group.objects.exclude(slug=pages.BIG_GROUP).order_by("pk"))
    for n, group in enumerate(groups):
        topic = TOPICS[n % len(TOPICS)]
        group.name = f"{topic} group {n:03}"
        group.location = rng.choice(["Berlin", "Hamburg", "Online", "Munich"])
    Group.objects.bulk_update(groups, ["name", "location"], batch_size=500)
    # The updates leave a dead version of every row behind; a running site's
    # autovacuum would have cleared them, and they skew the plans.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE events_event, groups_group")


MENU = 'SELECT "groups_group"."slug" AS "slug", "groups_group"."name" AS "name"'


def page_sql(path: str) -> list[tuple[str, tuple]]:
    """The list's SQL that one anonymous request for `path` runs: the count and
    the page (not the menu of groups, which is the same for every search)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return [
        (q["sql"], ())
        for q in captured.captured_queries
        if not q["sql"].startswith(MENU)
    ]


def explain(sql: str, runs: int = 5) -> tuple[float, list[str], str]:
    """Median execution ms, the scans used, and the last plan's text."""
    from django.db import connection

    times, plan = [], ""
    with connection.cursor() as cursor:
        for _ in range(runs):
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            times.append(float(re.search(r"Execution Time: ([\d.]+)", plan)[1]))
    scans = re.findall(
        r"((?:Bitmap Index|Index Only|Index|Seq) Scan (?:using|on) \S+)", plan
    )
    return statistics.median(times), sorted(set(scans)), plan


def plans(show: bool) -> dict[str, list[tuple[float, list[str], float, list[str]]]]:
    """Per search: (ms, scans) with the indexes and without, for each query."""
    from django.db import connection, transaction

    with_index = {
        label: [explain(sql) for sql, _ in page_sql(path)] for label, path in SEARCHES
    }
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX event_search_idx, group_search_idx")
        without = {
            label: [explain(sql) for sql, _ in page_sql(path)]
            for label, path in SEARCHES
        }
        transaction.set_rollback(True)
    out = {}
    for label, path in SEARCHES:
        out[label] = []
        for n, (a, b) in enumerate(zip(with_index[label], without[label], strict=True)):
            out[label].append((a[0], a[1], b[0], b[1]))
            if show:
                print(
                    f"\n--- {label} ({path}), query {n + 1}, with the indexes\n{a[2]}"
                )
                if a[1] != b[1]:
                    print(f"\n--- the same without the indexes\n{b[2]}")
    return out


def _explain_page(path: str) -> list[tuple[float, list[str], str]]:
    return [explain(sql) for sql, _ in page_sql(path)]


def main() -> None:
    args = parse_args()
    pages.setup_django(8791, need_wrk=False)
    pages.seed(args.reseed)
    vary_text()
    from events.models import Event
    from groups.models import Group

    counts = {
        "events": Event.objects.count(),
        "groups": Group.objects.count(),
    }
    found = plans(args.plans)
    print(f"\n{counts['events']} events, {counts['groups']} groups, ", end="")
    print(f"{pages.MEMBERS} members\n")
    print(
        "| search | address | found | SQL queries | SQL ms | one request ms "
        "| list queries: ms with index / without | scans with the index |"
    )
    print("|---|---|---:|---:|---:|---:|---|---|")
    for label, path in SEARCHES:
        one = pages.measure(path, None)
        html = _body(path)
        match = re.search(r"<p>(\d+) (?:event|group)s? found\.</p>", html)
        shown = match[1] if match else str(len(re.findall(r'<li class="card">', html)))
        times = ", ".join(f"{a:.2f} / {b:.2f}" for a, _, b, _ in found[label])
        scans = "; ".join(sorted({s for row in found[label] for s in row[1]}))
        print(f"| {label} | `{path}` | {shown} | {one['queries']} ", end="")
        print(f"| {one['sql_ms']:.1f} | {one['ms']:.1f} | {times} | {scans} |")
    print(
        "\nList queries: the page's count and page queries (not the menu of "
        "groups), EXPLAIN ANALYZE execution time, median of 5. The SQL and "
        "request columns: one request at a time, in-process, median of 40."
    )


def _body(path: str) -> str:
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    return client.get(path).content.decode()


if __name__ == "__main__":
    main()
