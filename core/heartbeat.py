"""Heartbeats of the long-running processes, so silence can be noticed.

The sender (`send_mail_queue --loop`) and the task worker (`db_worker`) call
`Pulse.beat()` on every turn of their loops, idle or not. A beat writes at most
once every `HEARTBEAT_SECONDS` (settings, 10 s) per process, so a busy loop
costs nothing; `manage.py status` and the staff status page read the rows.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable

from django.conf import settings
from django.utils import timezone

from core.models import Heartbeat

SENDER = "sender"
WORKER = "worker"


class Pulse:
    """One process's heartbeat under `name`, written at most every `every` s
    (by default HEARTBEAT_SECONDS)."""

    def __init__(
        self,
        name: str,
        *,
        every: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.every = settings.HEARTBEAT_SECONDS if every is None else every
        self.clock = clock
        self.last: float | None = None

    def beat(self) -> bool:
        """Record that this process is alive, unless it did so recently.

        Returns whether a row was written. Side effect: one upsert of the
        Heartbeat row. The time of the attempt counts even when the write
        fails, so a database that is down is not asked again on every turn;
        the caller's error handling sees the error.
        """
        now = self.clock()
        if self.last is not None and now - self.last < self.every:
            return False
        self.last = now
        Heartbeat.objects.update_or_create(
            name=self.name,
            defaults={
                "seen_at": timezone.now(),
                "pid": os.getpid(),
                "host": socket.gethostname()[:255],
            },
        )
        return True
