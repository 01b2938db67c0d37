"""django-tasks-db's `db_worker`, made to survive transient database errors.

The library's worker only tolerates a locked SQLite file while claiming; any
other database error (PostgreSQL restarting, a failover, a lock while saving a
result) ends the process, and with it every background task until someone
restarts it. This command keeps the library's options and loop, and restarts
the loop after logging one line and backing off. core comes before
django_tasks_db in INSTALLED_APPS, so `manage.py db_worker` is this command.

It also records the worker's heartbeat (core.heartbeat) on every turn of the
loop, idle or not, for `manage.py status`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.db import InterfaceError, OperationalError, connections
from django_tasks_db.management.commands import db_worker

from core.heartbeat import WORKER, Pulse

logger = logging.getLogger("django_tasks_db")

MAX_BACKOFF = 30.0

# The module whose two names this command swaps for its run. Typed as Any
# because mypy rightly forbids assigning to a class name, and the library
# imports close_old_connections from django.db without re-exporting it.
_library: Any = db_worker


def _beating(pulse: Pulse) -> Callable[..., None]:
    """The library's close_old_connections, plus a heartbeat.

    The library's loop has no hook per turn; it calls close_old_connections()
    at the top of every turn and after every task, so the beat rides on that
    call. A database error from the beat ends the library's loop like any
    other, and ResilientWorker.run backs off and restarts it.
    """
    original = _library.close_old_connections

    def close_old_connections_and_beat(**kwargs: Any) -> None:
        original(**kwargs)
        pulse.beat()

    return close_old_connections_and_beat


class ResilientWorker(db_worker.Worker):
    def run(self) -> None:
        troubles = 0
        while self.running:
            started = time.monotonic()
            try:
                super().run()
                return
            except (OperationalError, InterfaceError) as error:
                # A loop that ran well for a minute starts the backoff afresh.
                troubles = 1 if time.monotonic() - started > 60 else troubles + 1
                wait = min(MAX_BACKOFF, 2.0**troubles)
                first_line = (str(error).strip().splitlines() or [""])[0]
                logger.warning(
                    "Database error (%s: %s); trying again in %.0f s.",
                    type(error).__name__,
                    first_line,
                    wait,
                )
                connections.close_all()
                deadline = time.monotonic() + wait
                while self.running and time.monotonic() < deadline:
                    time.sleep(0.25)


class Command(db_worker.Command):
    def handle(self, *args: Any, **options: Any) -> None:
        original = _library.Worker, _library.close_old_connections
        _library.Worker = ResilientWorker
        _library.close_old_connections = _beating(Pulse(WORKER))
        try:
            super().handle(*args, **options)
        finally:
            _library.Worker, _library.close_old_connections = original
