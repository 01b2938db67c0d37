"""The demo's mailbox: the .eml files the file mailer wrote under MAIL_FILE_DIR.

Only for DEBUG (the view refuses otherwise), so nobody following the demo has
to open .eml files by hand to find a sign-in link.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings

NEWEST = 30


@dataclass(frozen=True)
class DevMail:
    name: str
    written: datetime
    to: str
    subject: str
    text: str


def newest(limit: int = NEWEST) -> tuple[list[DevMail], int]:
    """The newest `limit` emails, newest first, and how many files there are."""
    folder = Path(settings.MAIL_FILE_DIR)
    files = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime)
    return [_read(path) for path in reversed(files[-limit:])], len(files)


def _read(path: Path) -> DevMail:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    part = message.get_body(preferencelist=("plain",))
    text = part.get_content() if part is not None else ""
    return DevMail(
        name=path.name,
        written=datetime.fromtimestamp(path.stat().st_mtime).astimezone(),
        to=str(message.get("To", "")),
        subject=str(message.get("Subject", "")),
        text=text,
    )
