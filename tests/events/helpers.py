"""Invitations as a person's mailbox gets them, and the calendar-reply settings."""

from django.core import mail
from icalendar import Calendar

from events import services
from tests.notifications.helpers import run_sender

DOMAIN = "reply.meetings.test"
SECRET = "a-long-random-inbound-secret"


def calendar_of(message) -> bytes:
    (ics,) = [b for b, kind in message.alternatives if kind.startswith("text/cal")]
    return ics.encode() if isinstance(ics, str) else ics


def invited(event, person) -> tuple[str, bytes]:
    """`person` attends; their ORGANIZER address and REQUEST, as their mailbox got them."""
    services.rsvp_set(event=event, user=person, choice="attending")
    return last_invitation(person)


def last_invitation(person) -> tuple[str, bytes]:
    run_sender()
    (message,) = [m for m in mail.outbox if m.to == [person.email]]
    mail.outbox.clear()
    ics = calendar_of(message)
    (vevent,) = Calendar.from_ical(ics).walk("VEVENT")
    return str(vevent["organizer"]).removeprefix("mailto:"), ics
