"""Pressing Yes or No in Gmail or Outlook sets the RSVP (events/inbound.py).

Each test sends a real invitation through the outbox and the sender, answers
it the way Gmail or Outlook does (a METHOD:REPLY built with icalendar, sent to
the invitation's ORGANIZER) and posts that email to the webhook exactly as
SendGrid's Inbound Parse posts it (tests/fakes/inbound_mail.py).
"""

import base64
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from events import services
from events.models import ReplyAddress, Rsvp
from tests.events.helpers import DOMAIN, SECRET, invited
from tests.factories import EventFactory
from tests.fakes.inbound_mail import (
    CONTENT_TYPE,
    gmail_mime,
    inbound_parse_body,
    outlook_mime,
    reply_ics,
)
from tests.notifications.helpers import run_sender

pytestmark = pytest.mark.django_db

URL = "/webhooks/sendgrid/inbound/"


@pytest.fixture
def sendgrid_client():
    """A client that, like SendGrid, has no CSRF token."""
    return Client(enforce_csrf_checks=True)


def _auth(password: str = SECRET) -> dict:
    pair = base64.b64encode(f"sendgrid:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {pair}"}


def reply(client, invitation, *, person, partstat, kind="gmail", raw=True,
          sender=None, envelope_to=None, password=SECRET, mime=None, **ics_fields):  # fmt: skip
    """Answer `invitation` (ORGANIZER, REQUEST) as `person` from `kind`, via SendGrid."""
    organizer, request_ics = invitation
    sender = sender or person.email
    ics = reply_ics(request_ics, attendee=ics_fields.pop("attendee", person.email),
                    partstat=partstat, client=kind, **ics_fields)  # fmt: skip
    wrap = gmail_mime if kind == "gmail" else outlook_mime
    mime = mime or wrap(ics, sender=f"{person.name} <{sender}>", to=organizer,
                        subject=f"{partstat.title()}: an invitation")  # fmt: skip
    body = inbound_parse_body(
        mime=mime, envelope_to=envelope_to or organizer, envelope_from=sender, raw=raw,
        attachments=[] if raw else [("invite.ics", "application/ics", ics)],
    )  # fmt: skip
    return client.post(URL, data=body, content_type=CONTENT_TYPE, **_auth(password))


def status(event, person) -> str | None:
    row = Rsvp.objects.filter(event=event, user=person).first()
    return row.status if row else None


def sent() -> list[tuple[list[str], str]]:
    run_sender()
    found = sorted((m.to, m.subject) for m in mail.outbox)
    mail.outbox.clear()
    return found


def test_gmail_no_sets_not_attending_and_takes_the_event_out(
    inbound, sendgrid_client, event, member
):
    invitation = invited(event, member)

    response = reply(sendgrid_client, invitation, person=member, partstat="DECLINED")

    assert response.status_code == 200
    assert status(event, member) == "not_attending"
    # As the web reply does: a METHOD:CANCEL to them.
    assert sent() == [
        (["mo@example.org"], f"You are no longer attending {event.title}")
    ]


def test_outlook_yes_sets_attending_again(inbound, sendgrid_client, event, member):
    invitation = invited(event, member)
    services.rsvp_set(event=event, user=member, choice="not_attending")
    sent()

    reply(
        sendgrid_client, invitation, person=member, partstat="ACCEPTED", kind="outlook"
    )

    assert status(event, member) == "attending"
    assert sent() == [(["mo@example.org"], f"You are attending {event.title}")]


def test_parsed_mode_reads_the_ics_attachment(inbound, sendgrid_client, event, member):
    invitation = invited(event, member)

    reply(sendgrid_client, invitation, person=member, partstat="DECLINED", raw=False)

    assert status(event, member) == "not_attending"


def test_yes_to_a_full_event_puts_on_the_waiting_list(
    inbound, sendgrid_client, group, member, charlie
):
    event = EventFactory(group=group, capacity=1)
    invitation = invited(event, member)
    reply(sendgrid_client, invitation, person=member, partstat="DECLINED")
    services.rsvp_set(event=event, user=charlie, choice="attending")
    sent()

    later = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)
    reply(sendgrid_client, invitation, person=member, partstat="ACCEPTED", stamp=later)

    assert (status(event, member), status(event, charlie)) == (
        "waitlisted",
        "attending",
    )
    assert sent() == [
        (["mo@example.org"], f"You are on the waiting list for {event.title}")
    ]


FORGED = {
    "unknown address": dict(envelope_to=f"rsvp+{'a' * 32}@{DOMAIN}"),
    "address on another domain": dict(envelope_to="rsvp+{token}@elsewhere.test"),
    "UID of another event": dict(uid="another-event@meetings"),
    "ATTENDEE of someone else": dict(attendee="charlie@example.org"),
    "sender not the address's owner": dict(sender="charlie@example.org"),
    "not a REPLY": dict(method="REQUEST"),
    "SEQUENCE ahead of the event": dict(sequence=7),
    "DTSTAMP in the future": dict(stamp=datetime(2099, 1, 1, tzinfo=UTC)),
}


@pytest.mark.parametrize("forgery", FORGED.values(), ids=FORGED.keys())
def test_forged_or_unknown_replies_change_nothing(
    inbound, sendgrid_client, event, member, charlie, caplog, forgery
):
    other = EventFactory(group=event.group, uid="another-event@meetings")
    invited(other, member)
    organizer, request_ics = invited(event, member)
    token = organizer.split("+")[1].split("@")[0]
    forgery = {k: v.format(token=token) if isinstance(v, str) else v
               for k, v in forgery.items()}  # fmt: skip

    response = reply(sendgrid_client, (organizer, request_ics), person=member,
                     partstat="DECLINED", **forgery)  # fmt: skip

    assert response.status_code == 200  # so SendGrid does not retry
    assert (status(event, member), status(other, member)) == ("attending", "attending")
    assert sent() == []
    assert [r.message for r in caplog.records if r.name == "events.inbound"] != []


def test_a_reply_without_a_calendar_changes_nothing(
    inbound, sendgrid_client, event, member
):
    organizer, request_ics = invited(event, member)
    plain = EmailMessage()
    plain["From"], plain["To"], plain["Subject"] = member.email, organizer, "Hello"
    plain.set_content("Can I bring a friend?")

    response = reply(sendgrid_client, (organizer, request_ics), person=member,
                     partstat="DECLINED", mime=plain.as_bytes())  # fmt: skip

    assert (response.status_code, status(event, member)) == (200, "attending")


def test_a_replayed_or_older_reply_changes_nothing(
    inbound, sendgrid_client, event, member
):
    invitation = invited(event, member)
    stamp = datetime.now(UTC).replace(microsecond=0)
    reply(sendgrid_client, invitation, person=member, partstat="DECLINED", stamp=stamp)
    services.rsvp_set(event=event, user=member, choice="attending")
    sent()

    for older in (stamp, stamp - timedelta(minutes=5)):
        reply(sendgrid_client, invitation, person=member, partstat="DECLINED",
              stamp=older)  # fmt: skip

    assert status(event, member) == "attending"
    assert sent() == []


def test_tentative_keeps_the_reply(inbound, sendgrid_client, event, member):
    invitation = invited(event, member)

    reply(sendgrid_client, invitation, person=member, partstat="TENTATIVE")

    assert status(event, member) == "attending"
    assert sent() == []


def test_a_reply_to_a_cancelled_event_changes_nothing(
    inbound, sendgrid_client, event, owner, member
):
    invitation = invited(event, member)
    services.event_cancel(event=event, by=owner)
    sent()

    response = reply(sendgrid_client, invitation, person=member, partstat="DECLINED")

    assert (response.status_code, status(event, member)) == (200, "attending")


def test_a_wrong_secret_is_refused(inbound, sendgrid_client, event, member):
    invitation = invited(event, member)

    response = reply(sendgrid_client, invitation, person=member, partstat="DECLINED",
                     password="guess")  # fmt: skip

    assert (response.status_code, status(event, member)) == (403, "attending")


def test_no_credentials_ask_for_them(inbound, sendgrid_client):
    response = sendgrid_client.post(URL, data=b"", content_type=CONTENT_TYPE)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic ")


def test_without_a_secret_configured_the_webhook_does_not_exist(
    settings, sendgrid_client
):
    settings.INBOUND_PARSE_SECRET = ""

    response = sendgrid_client.post(
        URL, data=b"", content_type=CONTENT_TYPE, **_auth("")
    )

    assert response.status_code == 404


def test_an_oversize_body_is_refused(inbound, sendgrid_client, event, member):
    organizer, request_ics = invited(event, member)
    big = gmail_mime(b"x" * 3_000_000, sender=member.email, to=organizer, subject="Big")

    response = reply(sendgrid_client, (organizer, request_ics), person=member,
                     partstat="DECLINED", mime=big)  # fmt: skip

    assert (response.status_code, status(event, member)) == (413, "attending")


def test_a_reply_after_the_start_changes_nothing(
    inbound, sendgrid_client, event, member
):
    invitation = invited(event, member)

    with time_machine.travel(event.start + timedelta(minutes=1)):
        response = reply(sendgrid_client, invitation, person=member,
                         partstat="DECLINED",
                         stamp=timezone.now().replace(microsecond=0))  # fmt: skip

    assert (response.status_code, status(event, member)) == (200, "attending")


def _nested_mime(depth: int) -> str:
    head = "".join(
        f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n'
        for i in range(depth)
    )
    return f"From: mo@example.org\nMIME-Version: 1.0\n{head}\nx\n"


BAD_BODIES = {
    "not multipart": ("application/json", b'{"to": "x"}'),
    "cut-off multipart": (CONTENT_TYPE, b"--xYzZY\r\nContent-Disposition: form"),
    "envelope not JSON": (CONTENT_TYPE, inbound_parse_body(
        mime=b"From: a@b\r\n\r\nx", envelope_to="{", envelope_from="\x00")),
    "NUL and control characters": (CONTENT_TYPE, inbound_parse_body(
        mime=b"From: \x00\x1b[2J\r\n\r\n\x00", envelope_to="rsvp+\x00@x",
        envelope_from="\x00")),
    "MIME nested 5,000 deep": (CONTENT_TYPE, inbound_parse_body(
        mime=_nested_mime(5000).encode(), envelope_to="a@b", envelope_from="a@b")),
}  # fmt: skip


@pytest.mark.parametrize("kind,body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_bad_bodies_answer_4xx_or_2xx_and_change_nothing(
    inbound, sendgrid_client, event, member, kind, body
):
    invited(event, member)

    response = sendgrid_client.post(URL, data=body, content_type=kind, **_auth())

    assert response.status_code in (200, 400)
    assert (status(event, member), ReplyAddress.objects.get().sequence) == (
        "attending",
        None,
    )


def test_deploy_check_warns_of_a_domain_without_a_secret(settings):
    from events.checks import check_reply_settings

    settings.INBOUND_EMAIL_DOMAIN, settings.INBOUND_PARSE_SECRET = DOMAIN, ""

    assert [m.id for m in check_reply_settings()] == ["events.W001"]
