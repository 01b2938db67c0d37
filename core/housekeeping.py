"""Nightly clean-up: delete rows nobody needs any more, blank old email bodies.

Run by `manage.py housekeeping` (meetings-housekeeping.timer, daily). Every step
is safe to repeat and safe while the site runs: it only touches rows that no
request, sender or worker can still use.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

# The longest `period` any caller passes to core.ratelimit.take() (the mailing
# limit: a day). A bucket untouched for that long has refilled completely, so
# deleting its row changes nothing: take() recreates it full.
RATE_LIMIT_MAX_PERIOD = timedelta(days=1)


@dataclass
class HousekeepingCounts:
    sessions: int = 0
    rate_limit_buckets: int = 0
    login_tokens: int = 0
    task_results: int = 0
    message_bodies: int = 0

    def summary(self, *, dry_run: bool) -> str:
        verb = "would clean" if dry_run else "cleaned"
        parts = ", ".join(f"{getattr(self, f.name)} {f.name}" for f in fields(self))
        return f"housekeeping {verb}: {parts}"


def run_housekeeping(
    *, retention_days: int | None = None, dry_run: bool = False, now=None
) -> HousekeepingCounts:
    """Delete spent rows and blank old email bodies; return how many of each.

    - sessions past their expiry date (what `clearsessions` does);
    - rate-limit buckets not touched for RATE_LIMIT_MAX_PERIOD (full again);
    - sign-in, verification and email-change links that are used or expired;
    - finished (successful or failed) django-tasks-db results that finished more
      than `retention_days` ago;
    - the text, HTML and calendar bodies of outbox messages older than
      `retention_days` whose every delivery is settled (sent, failed or
      suppressed). Message and Delivery rows stay, so counts and history do.

    `retention_days` defaults to settings.RETENTION_DAYS. With `dry_run`
    nothing changes and the counts say what would.
    """
    from django.contrib.sessions.models import Session
    from django_tasks_db.models import DBTaskResult

    from accounts.models import LoginToken
    from core.models import RateLimitBucket
    from notifications.models import Delivery, Message

    now = now or timezone.now()
    if retention_days is None:
        retention_days = settings.RETENTION_DAYS
    cutoff = now - timedelta(days=retention_days)
    counts = HousekeepingCounts()

    engine = import_module(settings.SESSION_ENGINE)
    db_sessions = settings.SESSION_ENGINE.startswith(
        "django.contrib.sessions.backends."
    )
    db_sessions = db_sessions and settings.SESSION_ENGINE.rsplit(".", 1)[-1] in (
        "db",
        "cached_db",
    )
    sessions = Session.objects.filter(expire_date__lt=now)
    buckets = RateLimitBucket.objects.filter(updated_at__lt=now - RATE_LIMIT_MAX_PERIOD)
    tokens = LoginToken.objects.filter(
        Q(used_at__isnull=False) | Q(expires_at__lte=now)
    )
    results = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff)
    unsettled = Delivery.objects.filter(
        status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING]
    ).values("message_id")
    bodies = (
        Message.objects.filter(created_at__lt=cutoff)
        .exclude(pk__in=unsettled)
        .exclude(text="", html="", calendar="")
    )

    if dry_run:
        counts.sessions = sessions.count() if db_sessions else 0
        counts.rate_limit_buckets = buckets.count()
        counts.login_tokens = tokens.count()
        counts.task_results = results.count()
        counts.message_bodies = bodies.count()
        return counts

    if db_sessions:
        counts.sessions = sessions.delete()[0]
    else:
        engine.SessionStore.clear_expired()
    counts.rate_limit_buckets = buckets.delete()[0]
    counts.login_tokens = tokens.delete()[0]
    counts.task_results = results.delete()[0]
    with transaction.atomic():
        counts.message_bodies = bodies.update(text="", html="", calendar="")
    return counts
