"""Queueing test mail and reading what the fake SendGrid received."""

from io import StringIO

from django.core.management import call_command

from notifications.models import Topic
from notifications.outbox import To, queue
from notifications.sendgrid_api import UNSUBSCRIBE_TOKEN


def queue_bulk(emails, *, group=None, users=(), subject="News"):
    """A bulk message (with unsubscribe links), queued as email.py queues one.

    Recipients: plain addresses `emails` plus accounts `users`.
    """
    return queue(
        kind="mailing",
        subject=subject,
        text=f"Hello.\n\nUnsubscribe: {UNSUBSCRIBE_TOKEN}\n",
        html=f'<p>Hello.</p><p><a href="{UNSUBSCRIBE_TOKEN}">Unsubscribe</a></p>',
        recipients=[To(e) for e in emails] + [To(u.email, u.pk) for u in users],
        group=group,
        topic=Topic.MAILINGS if group else "",
    )


def addresses(count: int, prefix: str = "m") -> list[str]:
    return [f"{prefix}{i:05}@example.org" for i in range(count)]


def recipients_per_request(fake) -> list[list[str]]:
    return [
        [p["to"][0]["email"] for p in payload["personalizations"]]
        for payload in fake.requests
    ]


def run_sender(*args: str, stdout=None) -> str:
    """`send_mail_queue --once` in this process; returns what it printed."""
    out = stdout or StringIO()
    call_command("send_mail_queue", "--once", *args, stdout=out, stderr=StringIO())
    return out.getvalue()
