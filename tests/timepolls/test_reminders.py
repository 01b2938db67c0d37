from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests.mail import links_in, path_of
from timepolls.models import AuditEntry, Poll

from .conftest import answer_all


def remind(*args):
    out = StringIO()
    call_command("send_poll_reminders", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def due(poll):
    Poll.objects.filter(pk=poll.pk).update(
        deadline=timezone.now() + timedelta(hours=20)
    )
    poll.refresh_from_db()
    return poll


def test_reminds_parties_who_have_not_answered_once(due, parties, client):
    answer_all(due, parties["mo"], ["yes", "no", "no"])

    first = remind()
    again = remind()
    call_command("send_mail_queue", "--once", stdout=StringIO())

    assert [m.to for m in mail.outbox] == [["gus@example.net"]]
    assert mail.outbox[0].subject == "Reminder: when can you meet for Planning call?"
    assert client.get(path_of(links_in(mail.outbox[0])[0])).status_code == 200
    assert first.splitlines()[-1] == "1 reminder sent."
    assert again.splitlines()[-1] == "0 reminders sent."
    entry = AuditEntry.objects.get(action="notified")
    assert (entry.actor_kind, entry.detail) == (
        "system",
        {"kind": "reminder", "to": ["Gus Guest"]},
    )


def test_polls_with_a_later_deadline_are_not_reminded_yet(poll):
    Poll.objects.filter(pk=poll.pk).update(deadline=timezone.now() + timedelta(days=3))

    assert remind() == "0 reminders sent.\n"


def test_dry_run_lists_and_sends_nothing(due):
    out = remind("--dry-run")

    assert out.splitlines()[0] == "would remind: Planning call"
    assert Poll.objects.get().reminded_at is None


def test_bad_option_is_a_one_line_error():
    with pytest.raises(CommandError, match="unrecognized arguments: --every"):
        call_command("send_poll_reminders", "--every")
