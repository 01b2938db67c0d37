from datetime import UTC, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from accounts.models import User
from tests.factories import MembershipFactory, UserFactory
from tests.mail import links_in, only_message_to, path_of
from timepolls.models import AuditEntry, Party, Poll

from .conftest import next_week

BERLIN = ZoneInfo("Europe/Berlin")


def rows(*pairs):
    """The new-poll form's rows of times: (date, start time) pairs, as typed."""
    data = {"time-TOTAL_FORMS": str(len(pairs)), "time-INITIAL_FORMS": "0"}
    for i, (date, start) in enumerate(pairs):
        data[f"time-{i}-date"], data[f"time-{i}-start"] = date, start
    return data


def day() -> str:
    return next_week(0).date().isoformat()


def in_berlin(date: str, hour: int, minute: int = 0) -> datetime:
    local = datetime.fromisoformat(date).replace(hour=hour, minute=minute)
    return local.replace(tzinfo=BERLIN).astimezone(UTC)


def _form(**extra):
    data = {
        "title": "Board meeting",
        "duration_minutes": "45",
        "timezone": "Europe/Berlin",
        **rows((day(), "10:00"), ("", ""), (day(), "12:30")),
        "emails": "Gus Guest <gus@example.net>\nvera@example.com",
    }
    return {**data, **extra}


def test_create_poll_stores_times_parties_and_one_entry(client, owner):
    client.force_login(owner)

    response = client.post("/polls/new/", _form())

    poll = Poll.objects.get()
    assert response.url == f"/polls/{poll.pk}/"
    assert [t.start for t in poll.times.order_by("start")] == [
        in_berlin(day(), 10),
        in_berlin(day(), 12, 30),
    ]
    assert sorted(poll.parties.values_list("email", "name", "is_organiser")) == [
        ("gus@example.net", "Gus Guest", False),
        ("olga@example.org", "Olga Owner", True),
        ("vera@example.com", "vera", False),
    ]
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["created"]


def test_addresses_without_accounts_do_not_become_accounts(client, owner):
    client.force_login(owner)

    client.post("/polls/new/", _form())

    assert (
        User.objects.filter(email__in=["gus@example.net", "vera@example.com"]).exists()
        is False
    )


def test_send_now_emails_each_party_a_private_link(client, owner):
    client.force_login(owner)

    client.post("/polls/new/", _form(send_now="on"))
    call_command("send_mail_queue", "--once", stdout=StringIO())

    poll = Poll.objects.get()
    message = only_message_to("gus@example.net")
    assert message.subject == "Olga Owner asks when you can meet: Board meeting"
    # Not transactional: the address asked for nothing (see test_guests.py).
    assert "List-Unsubscribe" in message.extra_headers
    assert sorted(AuditEntry.objects.values_list("action", flat=True)) == [
        "created",
        "notified",
    ]
    link = path_of(links_in(message)[0])
    assert client.get(link).status_code == 200
    assert poll.parties.filter(notified_at__isnull=True).count() == 1  # the organiser


def test_group_members_become_parties_in_their_own_zone(client, owner, member, group):
    member.timezone = "Asia/Tokyo"
    member.save()
    client.force_login(owner)

    client.post("/polls/new/", _form(emails="", group=str(group.pk)))

    party = Party.objects.get(email="mo@example.org")
    assert (party.name, party.timezone) == ("Mo Member", "Asia/Tokyo")


def test_cannot_invite_members_of_a_group_one_is_not_in(client, charlie, group, member):
    client.force_login(charlie)

    response = client.post("/polls/new/", _form(emails="", group=str(group.pk)))

    assert response.status_code == 400
    assert Poll.objects.exists() is False


def test_bad_addresses_are_explained(client, owner):
    client.force_login(owner)

    response = client.post("/polls/new/", _form(emails="not-an-address"))

    assert response.status_code == 400
    assert "Not an email address: not-an-address." in response.content.decode()
    assert Poll.objects.exists() is False


@pytest.mark.parametrize(
    "field,value",
    [
        ("title", "Board\x1b[5m meeting"),
        ("title", "Board\tmeeting"),
        ("location", "Room\x9b1"),
    ],
)
def test_control_characters_are_refused(client, owner, field, value):
    client.force_login(owner)

    response = client.post("/polls/new/", _form(**{field: value}))

    [message] = response.context["form"].errors[field]
    assert message.startswith("Control characters")
    assert Poll.objects.exists() is False


def test_poll_list_shows_organised_and_invited_polls(client, poll, member, charlie):
    other = UserFactory(email="someone@example.org")
    MembershipFactory(user=other)
    client.force_login(member)

    html = client.get("/polls/").content.decode()
    client.force_login(charlie)
    outsider = client.get("/polls/").content.decode()

    assert "Planning call" in html and "party (invited by Olga Owner)" in html
    assert "Planning call" not in outsider


def test_guest_address_sendgrid_would_refuse_is_explained(client, owner):
    client.force_login(owner)

    response = client.post("/polls/new/", _form(emails='"a@b"@example.org'))

    assert response.status_code == 400
    assert response.context["form"].errors["emails"] == [
        'Not an email address: "a@b"@example.org.'
    ]
    assert Poll.objects.exists() is False
