"""Django mail backends configured through MAILERS (see config/settings.py).

- EmlFileBackend: the demo and development backend. Writes each message as one
  `.eml` file under MAIL_FILE_DIR and logs where, so every email can be opened.
- OutboxBackend: production's default, and Django's own mail everywhere
  (mail_admins: server error reports). Puts each message into our outbox, so
  the sender delivers it through the one SendGrid payload builder and client
  (notifications.sendgrid_api) like any other email.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from email.utils import parseaddr
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend
from django.db import DatabaseError, transaction

logger = logging.getLogger(__name__)


class EmlFileBackend(BaseEmailBackend):
    def __init__(self, *, file_path: str, fail_silently: bool = False, **kwargs):
        # Django 6.1's MAILERS refuses fail_silently passed up to the base class;
        # a backend that supports it keeps its own attribute.
        super().__init__(**kwargs)
        self.fail_silently = fail_silently
        self.file_path = Path(file_path)

    def send_messages(self, email_messages) -> int:
        self.file_path.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            path = self.file_path / f"{stamp}-{uuid.uuid4().hex[:12]}.eml"
            path.write_bytes(message.message().as_bytes())
            logger.info(
                "Wrote email %r to %s (%s)",
                message.subject,
                ", ".join(message.recipients()),
                path,
            )
            sent += 1
        return sent


class OutboxBackend(BaseEmailBackend):
    """Queue each message in the outbox instead of sending it.

    Error reports then survive a SendGrid outage, are retried by the sender
    and show up in the outbox with everything else. They are queued as
    transactional (no unsubscribe link, tried right after commit). With
    `fail_silently`, a database that cannot take the row is logged instead of
    raised, so the 500 page of a request that failed on the database is still
    served.
    """

    def __init__(self, *, kind: str = "django", fail_silently: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.kind = kind
        self.fail_silently = fail_silently

    def send_messages(self, email_messages) -> int:
        from .outbox import To, queue

        queued = 0
        for message in email_messages:
            addresses = {parseaddr(a)[1].lower() for a in message.recipients()}
            alternatives = getattr(message, "alternatives", [])
            html = next((b for b, kind in alternatives if kind == "text/html"), "")
            try:
                with transaction.atomic():
                    queue(
                        kind=self.kind,
                        subject=message.subject,
                        text=message.body,
                        html=html,
                        recipients=[To(a) for a in sorted(addresses) if a],
                        transactional=True,
                        from_email=message.from_email,
                    )
            except DatabaseError:
                if not self.fail_silently:
                    raise
                logger.exception("Could not queue %r in the outbox", message.subject)
            else:
                queued += 1
        return queued
