"""What a signed-in request and a calendar feed cost, one request at a time.

Reuses the database of bench/pages.py (seeding it if needed) and calls Django's
WSGI handler in this process, as bench/pages.py's last columns do, but prints
the minimum as well as the median of many requests: on a shared machine the
minimum is the steadier figure. It adds the feed answered with a 304 (the
client sends the ETag it holds), and prints JSON, one line.

    DATABASE_URL=postgres://user:pass@127.0.0.1:5432/meetings_bench \\
        .venv/bin/python bench/feeds_sessions.py [--runs 300]

Not a test: it prints numbers, it asserts nothing.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import pages  # noqa: E402

FEED = f"/groups/{pages.BIG_GROUP}/calendar.ics"


def request(app, path: str, cookie: str | None, headers: dict) -> tuple[str, dict]:
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_X_FORWARDED_PROTO": "https",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        **({"HTTP_COOKIE": cookie} if cookie else {}),
        **headers,
    }
    answer: dict = {}

    def start(status, response_headers, *exc_info):
        answer.update(status=status, headers=dict(response_headers))

    b"".join(app(environ, start))
    return answer["status"], answer["headers"]


def measure(app, path: str, cookie=None, headers=None, runs: int = 300) -> dict:
    from django.db import connection

    queries: list[str] = []

    def count(execute, sql, *args):
        queries.append(sql)
        return execute(sql, *args)

    request(app, path, cookie, headers or {})  # warm, as a running server is
    times = []
    for _ in range(runs):
        queries.clear()
        started = time.perf_counter()
        with connection.execute_wrapper(count):
            status, _ = request(app, path, cookie, headers or {})
        times.append((time.perf_counter() - started) * 1000)
    return {
        "status": status[:3],
        "queries": len(queries),
        "min_ms": round(min(times), 2),
        "median_ms": round(statistics.median(times), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=300, help="Requests per page.")
    args = parser.parse_args()
    pages.setup_django(8799, need_wrk=False)
    pages.seed(False)
    from django.core.handlers.wsgi import WSGIHandler

    app = WSGIHandler()
    cookie = pages.session_cookie()
    _, feed_headers = request(app, FEED, None, {})
    runs = args.runs
    results = {
        "empty page, anonymous": measure(app, "/accounts/check-inbox/", runs=runs),
        "empty page, signed in": measure(
            app, "/accounts/check-inbox/", cookie, runs=runs
        ),
        "home, signed in": measure(app, "/", cookie, runs=runs // 3),
        "profile, signed in": measure(
            app, "/accounts/profile/", cookie, runs=runs // 3
        ),
        "group .ics feed": measure(app, FEED, runs=runs),
    }
    if "ETag" in feed_headers:
        results["group .ics feed, 304"] = measure(
            app, FEED, headers={"HTTP_IF_NONE_MATCH": feed_headers["ETag"]}, runs=runs
        )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
