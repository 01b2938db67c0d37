"""The test suite against its own past: the same tests, then and now.

Issue #14 asks for the suite in at most half its wall time with the same tests
and assertions. The suite has grown since (1,208 tests at commit 9ae2fd7, the
last one before any speed work), so one run of this script measures, on one
PostgreSQL cluster, one after the other:

- then: the suite of BASE as that commit ran it (one pytest process), in a git
  worktree of BASE with a virtualenv of BASE's own requirements (built once,
  with this checkout's Python, under var/bench-suite/, and reused while
  those files are the same) and this checkout's node_modules;
- now: this checkout's tests that are BASE's tests, as `make test` runs them
  (pytest-xdist, one worker per core): the same test ids, or the same test
  function moved to another file. BASE's one HTML and axe walk is the English
  walk now (the Hebrew walk was added later, by #21). BASE's tests that have
  no counterpart any more are listed and left out.

It prints both wall times, the test counts and the ratio, with the load
average before and after each. Run it in a throw-away cluster, from the
repository root (`make bench-suite` runs exactly this):

    pg_virtualenv -t -o fsync=off -o full_page_writes=off \\
        -o synchronous_commit=off -o max_connections=200 sh -c \\
        'DATABASE_URL="postgres://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/$PGDATABASE" \\
        .venv/bin/python bench/suite.py'
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"
# BASE's walk had no parameters; now it runs in halves, in English and Hebrew.
WALK = (
    "tests/e2e/test_validity.py::"
    "test_every_page_is_valid_html_without_serious_axe_violations"
)
_PARAMS = re.compile(r"\[.*\]$")


def base_venv(tree: Path) -> Path:
    """A virtualenv with the requirements of the commit checked out in `tree`.

    Made with this checkout's Python (a venv's `-m venv` builds on the same
    interpreter), named by a hash of the requirement files, so a later run
    of the same BASE reuses it.
    """
    files = sorted((tree / "requirements").glob("*.txt"))
    digest = hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()
    venv = ROOT / "var" / "bench-suite" / f"venv-{digest[:12]}"
    python = venv / "bin" / "python"
    if not (venv / ".installed").exists():
        print(f"Installing BASE's requirements into {venv} ...", file=sys.stderr)
        subprocess.run([str(PYTHON), "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet",
             "-r", str(tree / "requirements" / "dev.txt")],
            check=True,
        )  # fmt: skip
        (venv / ".installed").touch()
    return venv


def collect(tree: Path, python: Path = PYTHON) -> list[str]:
    """The test ids pytest finds in `tree`."""
    done = subprocess.run(
        [str(python), "-m", "pytest", "--collect-only", "-q", "-o", "addopts=",
         "-p", "no:cacheprovider"],
        cwd=tree, capture_output=True, text=True, env=_env(), check=False,
    )  # fmt: skip
    ids = [line for line in done.stdout.splitlines() if "::" in line]
    if not ids:
        sys.exit(f"no tests collected in {tree}: {done.stdout[-500:]}{done.stderr}")
    return ids


def counterparts(base: list[str], now: list[str]) -> tuple[list[str], list[str]]:
    """(today's ids for BASE's tests, BASE's ids without one).

    A test found under its old id is itself; one that moved to another file is
    found by its function (and its parameters, if it had any).
    """
    current = set(now)
    by_function: dict[str, list[str]] = {}
    for test in now:
        by_function.setdefault(_function(test), []).append(test)
    found, missing = [], []
    for test in base:
        params = _params(test)
        moved = [
            t for t in by_function.get(_function(test), [])
            if not params or _params(t) == params
        ]  # fmt: skip
        if test == WALK:
            found += [t for t in now if t.startswith(WALK) and "English" in t]
        elif test in current:
            found.append(test)
        elif moved:
            found += moved
        else:
            missing.append(test)
    return sorted(set(found)), missing


def _function(test: str) -> str:
    return _PARAMS.sub("", test.split("::", 1)[1])


def _params(test: str) -> str:
    found = _PARAMS.search(test)
    return found.group() if found else ""


def run(
    tree: Path, args: list[str], python: Path = PYTHON
) -> tuple[float, str, float, float]:
    """(wall seconds, pytest's last line, load before, load after)."""
    before = os.getloadavg()[0]
    started = time.perf_counter()
    done = subprocess.run(
        [str(python), "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=tree, capture_output=True, text=True, env=_env(), check=False,
    )  # fmt: skip
    wall = time.perf_counter() - started
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    summary = lines[-1] if lines else done.stderr[-300:]
    if done.returncode != 0:
        print(done.stdout[-3000:], file=sys.stderr)
    return wall, summary, before, os.getloadavg()[0]


def _env() -> dict[str, str]:
    env = dict(os.environ, SECRET_KEY="test-secret-key-not-for-production")
    if "DATABASE_URL" not in env:
        sys.exit("DATABASE_URL is not set: run this inside pg_virtualenv (see above).")
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="9ae2fd7", help="the commit to compare with")
    parser.add_argument("--workers", default="auto", help="pytest-xdist workers now")
    parser.add_argument(
        "-k", dest="keyword", default="", help="only tests matching (to try the script)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="suite-base-") as scratch:
        tree = Path(scratch) / "base"
        subprocess.run(
            ["git", "worktree", "add", "--detach", "-q", str(tree), args.base],
            cwd=ROOT, check=True,
        )  # fmt: skip
        try:
            venv = base_venv(tree)
            (tree / ".venv").symlink_to(venv)
            (tree / "node_modules").symlink_to(ROOT / "node_modules")
            base_python = tree / ".venv" / "bin" / "python"
            base_ids, now_ids = collect(tree, base_python), collect(ROOT)
            same, missing = counterparts(base_ids, now_ids)
            only = ["-k", args.keyword] if args.keyword else []
            then = run(tree, only, base_python)
            now = run(ROOT, [*only, "-n", args.workers, "--dist", "worksteal", *same])
        finally:
            remove = ["git", "worktree", "remove", "--force", str(tree)]
            subprocess.run(remove, cwd=ROOT, check=False)
    print(
        f"\nBASE {args.base}: {len(base_ids)} tests; now: {len(now_ids)} tests,"
        f" {len(same)} of them BASE's; {len(missing)} of BASE's have no counterpart:"
    )
    for test in missing:
        print(f"  {test}")
    print("\n| run | tests | pytest says | wall | load before / after |")
    print("|---|---:|---|---:|---|")
    for name, count, (wall, summary, before, after) in [
        (f"then: {args.base}, one process", len(base_ids), then),
        (f"now: BASE's tests, -n {args.workers}", len(same), now),
    ]:
        load = f"{before:.2f} / {after:.2f}"
        print(f"| {name} | {count} | {summary} | {wall:.0f} s | {load} |")
    print(f"\nnow / then: {now[0] / then[0]:.2f} (target: at most 0.5)")


if __name__ == "__main__":
    main()
