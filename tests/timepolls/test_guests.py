"""Poll email to addresses the organiser typed in: never an open relay.

Such an address asked for nothing, so its email honours the site's
suppressions and carries a one-click "stop emails from this site" link.
"""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from notifications.models import Delivery, Suppression
from tests.mail import only_message_to, path_of
from timepolls import services
from timepolls.audit import Actor
from timepolls.models import AuditEntry, PartyLink, Poll

from .conftest import next_week

UNSUBSCRIBED = "this address asked for no email from this site"
BOUNCED = "email to this address could not be delivered"


def drain():
    call_command("send_mail_queue", "--once", stdout=StringIO())


def _new_poll(owner, *emails):
    return services.poll_create(
        organiser=owner,
        actor=Actor(user=owner),
        title="Second call",
        duration_minutes=30,
        times=[next_week(12)],
        parties=[services.PartySpec(e, e.split("@")[0], "UTC") for e in emails],
    )


def _stop_path(message) -> str:
    (url,) = re.findall(r"Stop emails from this site: (\S+)", message.body)
    return path_of(url)


# --- suppressed addresses ------------------------------------------------------------


@pytest.mark.parametrize(
    "reason,why", [("unsubscribe", UNSUBSCRIBED), ("bounce", BOUNCED)]
)
def test_suppressed_guest_gets_no_link_and_the_organiser_sees_why(
    client, owner, poll, parties, reason, why
):
    Suppression.objects.create(email="gus@example.net", reason=reason)
    client.force_login(owner)

    response = client.post(f"/polls/{poll.pk}/notify/", follow=True)
    drain()

    assert [m.to for m in mail.outbox] == [["mo@example.org"]]
    assert Delivery.objects.filter(email="gus@example.net").exists() is False
    assert PartyLink.objects.filter(party=parties["gus"]).exists() is False
    page = response.content.decode()
    assert f"Not emailed: Gus Guest ({why})." in page
    assert f"<td>not emailed: {why}</td>" in page
    entry = AuditEntry.objects.get(action="notified")
    assert (entry.detail["to"], entry.detail["not_emailed"]) == (
        ["Mo Member"],
        ["Gus Guest"],
    )


def test_resending_to_a_suppressed_guest_is_refused(client, owner, poll, parties):
    Suppression.objects.create(email="gus@example.net", reason="unsubscribe")
    client.force_login(owner)

    response = client.post(
        f"/polls/{poll.pk}/parties/{parties['gus'].pk}/resend/", follow=True
    )

    assert f"Not emailed: Gus Guest ({UNSUBSCRIBED})." in response.content.decode()
    assert Delivery.objects.exists() is False
    assert PartyLink.objects.exists() is False


def test_reminders_skip_a_suppressed_guest(poll, parties):
    Poll.objects.filter(pk=poll.pk).update(
        deadline=timezone.now() + timedelta(hours=20)
    )
    Suppression.objects.create(email="gus@example.net", reason="spamreport")

    reminded = services.poll_remind(poll=poll)
    drain()

    assert reminded == [parties["mo"]]
    assert [m.to for m in mail.outbox] == [["mo@example.org"]]


# --- the stop link -------------------------------------------------------------------


def test_invitation_carries_a_one_click_stop_link(poll, owner):
    services.poll_notify(poll=poll, actor=Actor(user=owner))
    drain()

    message = only_message_to("gus@example.net")
    stop = _stop_path(message)
    assert message.extra_headers["List-Unsubscribe"] == f"<https://meetings.test{stop}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == (
        "List-Unsubscribe=One-Click"
    )
    html = message.alternatives[0][0]
    assert f'<a href="https://meetings.test{stop}">Stop emails from this site</a>' in (
        html
    )


def test_stop_link_confirms_on_get_and_suppresses_on_post(client, poll, owner):
    services.poll_notify(poll=poll, actor=Actor(user=owner))
    drain()
    stop = _stop_path(only_message_to("gus@example.net"))

    confirm = client.get(stop).content.decode()
    unchanged = Suppression.objects.exists()
    # A plain form POST: no JavaScript, no session, no CSRF token (RFC 8058).
    done = Client(enforce_csrf_checks=True).post(stop).content.decode()

    assert '<button type="submit">Stop emails from this site</button>' in confirm
    assert unchanged is False
    assert "gus@example.net will no longer receive email from meetings" in done
    assert list(Suppression.objects.values_list("email", "reason")) == [
        ("gus@example.net", "unsubscribe")
    ]


def test_a_stopped_address_is_skipped_by_later_polls(client, poll, owner):
    services.poll_notify(poll=poll, actor=Actor(user=owner))
    drain()
    client.post(_stop_path(only_message_to("gus@example.net")))
    mail.outbox.clear()

    later = _new_poll(owner, "gus@example.net", "vera@example.com")
    services.poll_notify(poll=later, actor=Actor(user=owner))
    drain()

    assert [m.to for m in mail.outbox] == [["vera@example.com"]]
    assert later.parties.get(email="gus@example.net").notified_at is None
