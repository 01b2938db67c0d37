"""Nightly clean-up: delete rows nobody needs any more, blank old email bodies.

Run by `manage.py housekeeping` (meetings-housekeeping.timer, daily). Every step
is safe to repeat and safe while the site runs: it only touches rows that no
request, sender or worker can still use.

Each app that keeps such rows has a `housekeeping` module whose
`steps(now=, cutoff=)` returns its `Step`s (core.discovery finds them, in
INSTALLED_APPS order); this module is core's own: sessions, rate-limit buckets
and finished task results.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module
from types import SimpleNamespace

from django.conf import settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from .discovery import app_modules
from .models import RateLimitBucket

# The longest `period` any caller passes to core.ratelimit.take() (the mailing
# limit: a day). A bucket untouched for that long has refilled completely, so
# deleting its row changes nothing: take() recreates it full.
RATE_LIMIT_MAX_PERIOD = timedelta(days=1)


@dataclass(frozen=True)
class Step:
    """One kind of spent row: how many there are, and cleaning them (-> count)."""

    name: str
    count: Callable[[], int]
    clean: Callable[[], int]

    @classmethod
    def deleting(cls, name: str, rows) -> Step:
        """A step that deletes the rows of a queryset."""
        return cls(name, rows.count, lambda: rows.delete()[0])


class HousekeepingCounts(SimpleNamespace):
    """How many rows each step cleaned (or would clean), by step name, in order."""

    def summary(self, *, dry_run: bool) -> str:
        verb = "would clean" if dry_run else "cleaned"
        parts = ", ".join(f"{count} {name}" for name, count in vars(self).items())
        return f"housekeeping {verb}: {parts}"


def steps(*, now, cutoff) -> list[Step]:
    """Core's rows:

    - sessions past their expiry date (what `clearsessions` does);
    - rate-limit buckets not touched for RATE_LIMIT_MAX_PERIOD (full again);
    - finished (successful or failed) django-tasks-db results that finished
      before `cutoff`.
    """
    buckets = RateLimitBucket.objects.filter(updated_at__lt=now - RATE_LIMIT_MAX_PERIOD)
    results = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff)
    return [
        _sessions_step(now),
        Step.deleting("rate_limit_buckets", buckets),
        Step.deleting("task_results", results),
    ]


def _sessions_step(now) -> Step:
    engine = settings.SESSION_ENGINE
    store = import_module(engine).SessionStore
    if hasattr(store, "get_model_class"):
        # A database engine (Django's db and cached_db, accounts.sessions):
        # its expired rows can be counted and deleted like any others.
        rows = store.get_model_class().objects.filter(expire_date__lt=now)
        return Step.deleting("sessions", rows)

    # Other engines clean themselves and cannot count what they would.
    def clear() -> int:
        store.clear_expired()
        return 0

    return Step("sessions", lambda: 0, clear)


def run_housekeeping(
    *, retention_days: int | None = None, dry_run: bool = False, now=None
) -> HousekeepingCounts:
    """Run every app's housekeeping steps; return how many rows each cleaned.

    Old data is what is older than `retention_days`, which defaults to
    settings.RETENTION_DAYS. With `dry_run` nothing changes and the counts say
    what would.
    """
    now = now or timezone.now()
    if retention_days is None:
        retention_days = settings.RETENTION_DAYS
    cutoff = now - timedelta(days=retention_days)
    counts = HousekeepingCounts()
    for module in app_modules("housekeeping"):
        for step in module.steps(now=now, cutoff=cutoff):
            setattr(counts, step.name, step.count() if dry_run else step.clean())
    return counts
