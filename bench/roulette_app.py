"""Benchmark of coffee roulette's Django side: the weekly run and the member page.

Run from the repository root with DATABASE_URL naming a throw-away database (it
is migrated and filled), e.g. inside Debian's pg_virtualenv as `make test` does::

    pg_virtualenv sh -c 'DATABASE_URL="postgres://$PGUSER:$PGPASSWORD@$PGHOST:\
    $PGPORT/$PGDATABASE" .venv/bin/python -m bench.roulette_app --sizes 1000 10000'

(one line in a shell; docs/benchmarks.md has it).

For each size it creates one group whose members all take part (seeded grids
in 12 zones, lunch and evening habits), then measures:

* the matching alone (``pair_members`` on the same members);
* ``round_run``: reading participants and history, ``pair_members``, writing
  the Round, Pairings and SatOut rows and queueing one email (with its calendar
  invitation) per person, in one transaction: wall time and SQL queries;
* the same run again (idempotent: it must change and send nothing);
* the member page ``/groups/<slug>/roulette/`` (its overlap count reads every
  participant's grid): wall time and SQL queries.
"""

from __future__ import annotations

import argparse
import os
import random
import time

ZONES = [
    "America/Los_Angeles", "America/New_York", "America/Sao_Paulo", "Europe/London",
    "Europe/Berlin", "Europe/Helsinki", "Africa/Lagos", "Asia/Kolkata",
    "Asia/Kathmandu", "Asia/Tokyo", "Australia/Sydney", "UTC",
]  # fmt: skip
WEEK = "2030-W10"


def _grid(rng: random.Random) -> str:
    bits = ["0"] * 336
    habits = [(12, 14), (17, 21), (7, 9)]
    for day in range(5):
        start, end = rng.choice(habits)
        first = rng.randrange(start * 2, end * 2 - 1)
        for half in range(first, min(first + rng.randrange(2, 6), 48)):
            bits[day * 48 + half] = "1"
    return "".join(bits)


def _fill(size: int, seed: int):
    from accounts.models import User
    from groups.models import Group, Membership
    from roulette.models import Participant, RouletteSettings

    rng = random.Random(seed)
    group = Group.objects.create(name=f"Bench {size}", slug=f"bench-{size}")
    RouletteSettings.objects.create(group=group, enabled=True)
    users = User.objects.bulk_create(
        [
            User(email=f"b{size}-{i}@example.org", name=f"Member {i}")
            for i in range(size)
        ],
        batch_size=2000,
    )
    memberships = Membership.objects.bulk_create(
        [Membership(user=u, group=group) for u in users], batch_size=2000
    )
    Participant.objects.bulk_create(
        [
            Participant(membership=m, opted_in=True, timezone=rng.choice(ZONES),
                        availability=_grid(rng))
            for m in memberships
        ],
        batch_size=2000,
    )  # fmt: skip
    return group, users[0]


def run(size: int, seed: int) -> dict:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from notifications.models import Message
    from roulette.models import Participant
    from roulette.pairing import pair_members
    from roulette.services import as_member, round_run

    group, first = _fill(size, seed)

    # The pure matching alone, to tell it apart from the database and email work.
    members = [
        as_member(p) for p in Participant.objects.taking_part(group, iso_week=WEEK)
    ]
    start = time.perf_counter()
    pair_members(members, iso_week=WEEK, seed=seed)
    matching = time.perf_counter() - start

    # With DEBUG on, filling the database has filled Django's query log (a
    # deque of 9,000), whose length a capture would then find unchanged.
    reset_queries()
    with CaptureQueriesContext(connection) as run_queries:
        start = time.perf_counter()
        report = round_run(group=group, iso_week=WEEK, seed=seed)
        first_run = time.perf_counter() - start
    # Now: the next request empties the log the capture reads from.
    run_sql = len(run_queries)
    messages = Message.objects.filter(group=group).count()

    start = time.perf_counter()
    again = round_run(group=group, iso_week=WEEK, seed=seed + 1)
    second_run = time.perf_counter() - start
    assert not again.created
    assert Message.objects.filter(group=group).count() == messages

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(first)
    client.get(f"/groups/{group.slug}/roulette/")  # warm the zone caches
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        response = client.get(f"/groups/{group.slug}/roulette/")
        page = time.perf_counter() - start
    assert response.status_code == 200
    return {
        "members": size,
        "pairs": report.pairs,
        "trios": report.trios,
        "sat out": len(report.sat_out),
        "emails": messages,
        "matching s": f"{matching:.1f}",
        "run s": f"{first_run:.1f}",
        "run SQL": run_sql,
        "re-run s": f"{second_run:.2f}",
        "page s": f"{page:.2f}",
        "page SQL": len(queries),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    # DEBUG serves static names without a collectstatic manifest.
    os.environ.setdefault("DEBUG", "true")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    rows = [run(size, args.seed) for size in args.sizes]
    columns = list(rows[0])
    print(" | ".join(columns))
    print(" | ".join("---" for _ in columns))
    for row in rows:
        print(" | ".join(str(row[c]) for c in columns))


if __name__ == "__main__":
    main()
