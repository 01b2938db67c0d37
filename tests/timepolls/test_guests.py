"""Poll email to addresses the organiser typed in: never an open relay.

Such an address asked for nothing, so its email honours the site's
suppressions, carries a one-click "stop emails from this site" link, and an
organiser can add only so many new addresses a day.
"""

import re
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from notifications.models import Delivery, Suppression
from tests.mail import only_message_to, path_of
from timepolls import services
from timepolls.audit import Actor
from timepolls.models import AuditEntry, Party, PartyLink, Poll

from .conftest import next_week
from .test_api import call
from .test_create import _form

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


# --- the daily cap on new addresses --------------------------------------------------


def cap_message(cap, left, asked):
    return (
        f"You can invite at most {cap} new addresses in 24 hours (addresses "
        f"without an account that you have not invited before); {left} left now, "
        f"and this poll has {asked}."
    )


def test_new_address_cap_refuses_the_poll_and_stores_nothing(client, owner, settings):
    settings.POLL_NEW_ADDRESSES_PER_DAY = 3
    client.force_login(owner)
    client.post("/polls/new/", _form(emails="a@example.net\nb@example.net"))

    response = client.post("/polls/new/", _form(emails="c@example.net, d@example.net"))

    assert response.status_code == 400
    assert response.context["form"].errors["emails"] == [cap_message(3, 1, 2)]
    assert Poll.objects.count() == 1
    assert sorted(Party.objects.values_list("email", flat=True)) == [
        "a@example.net",
        "b@example.net",
        "olga@example.org",
    ]
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["created"]


def test_accounts_and_addresses_invited_before_are_not_new(
    client, owner, member, charlie, settings
):
    settings.POLL_NEW_ADDRESSES_PER_DAY = 2
    _new_poll(owner, "a@example.net", "b@example.net")
    client.force_login(owner)

    response = client.post(
        "/polls/new/",
        _form(emails="a@example.net\nmo@example.org\ncharlie@example.org"),
    )

    assert response.status_code == 302
    assert Poll.objects.count() == 2


def test_new_address_cap_frees_up_after_24_hours(owner, settings):
    settings.POLL_NEW_ADDRESSES_PER_DAY = 2
    _new_poll(owner, "a@example.net", "b@example.net")

    with pytest.raises(services.PollError, match=re.escape(cap_message(2, 0, 1))):
        _new_poll(owner, "c@example.net")
    with time_machine.travel(timezone.now() + timedelta(hours=24, minutes=1)):
        _new_poll(owner, "c@example.net")

    assert Poll.objects.count() == 2


def test_deleting_a_poll_gives_no_new_addresses_back(owner, settings):
    settings.POLL_NEW_ADDRESSES_PER_DAY = 2
    first = _new_poll(owner, "a@example.net", "b@example.net")
    services.poll_delete(poll=first, actor=Actor(user=owner))

    with pytest.raises(services.PollError, match="0 left now"):
        _new_poll(owner, "c@example.net")


def test_api_applies_the_same_cap_with_a_429(client, owner, api_token, settings):
    settings.POLL_NEW_ADDRESSES_PER_DAY = 1
    token = api_token(owner)
    body = {
        "title": "API poll",
        "duration_minutes": 30,
        "times": [next_week(9).isoformat()],
        "parties": ["Zed <zed@example.net>", "yan@example.net"],
        "notify": True,
    }

    response = call(client, "post", "/api/v1/polls", token, body)

    assert response.status_code == 429
    assert response.json() == {
        "detail": cap_message(1, 1, 2),
        "code": "new_address_limit",
    }
    assert (Poll.objects.count(), Delivery.objects.count()) == (0, 0)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_simultaneous_polls_never_pass_the_new_address_cap(settings):
    import threading

    from django.db import connection

    from tests.factories import UserFactory

    settings.POLL_NEW_ADDRESSES_PER_DAY = 10
    owner = UserFactory()
    barrier = threading.Barrier(8)
    refused = []

    def create(n):
        try:
            barrier.wait()
            _new_poll(owner, *[f"p{n}-{i}@example.net" for i in range(3)])
        except services.PollError as error:
            refused.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert (Poll.objects.count(), refused) == (3, ["new_address_limit"] * 5)
