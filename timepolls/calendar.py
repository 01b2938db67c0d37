"""iTIP invitations for an agreed poll.

Each party gets their own calendar: the organiser's lists every party as an
ATTENDEE (with the part status their answer implies), a party's lists only
themselves, so no guest learns another's address. The UID is the poll's and
stays; SEQUENCE rises when the poll is cancelled.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, vCalAddress, vText
from icalendar import Event as VEvent

from core.links import absolute_url

PRODID = "-//meetings//find a time//EN"
PARTSTAT = {"yes": "ACCEPTED", "maybe": "TENTATIVE", "no": "DECLINED"}


def _from_address() -> str:
    value = settings.DEFAULT_FROM_EMAIL
    return value.split("<", 1)[1].rstrip(">").strip() if "<" in value else value


def invitation_ics(poll, *, parties, answers: dict, method: str) -> bytes:
    """METHOD:REQUEST (agreed) or METHOD:CANCEL for the poll's agreed time.

    `answers` maps party id to {time id: choice}; it sets each ATTENDEE's
    PARTSTAT for the agreed time.
    """
    time = poll.agreed_time
    start = time.start.astimezone(poll.zone)
    end = start + poll.duration
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    ve = VEvent()
    ve.add("uid", poll.uid)
    ve.add("dtstamp", timezone.now())
    ve.add("sequence", poll.sequence)
    ve.add("dtstart", start)
    ve.add("dtend", end)
    ve.add("summary", poll.title)
    url = absolute_url(poll.get_absolute_url())
    description = poll.description
    if method == "CANCEL" and poll.cancel_message:
        description = f"Cancelled: {poll.cancel_message}\n\n{description}"
    ve.add("description", description.strip() or poll.title)
    if poll.location:
        ve.add("location", poll.location)
    ve.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{_from_address()}")
    organizer.params["cn"] = vText(poll.organiser.name)
    ve.add("organizer", organizer)
    for party in parties:
        attendee = vCalAddress(f"mailto:{party.email}")
        attendee.params["cn"] = vText(party.name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        choice = answers.get(party.pk, {}).get(time.pk)
        attendee.params["partstat"] = vText(PARTSTAT.get(choice, "NEEDS-ACTION"))
        ve.add("attendee", attendee)
    ve.add("url", url)
    cal.add_component(ve)
    cal.add_missing_timezones(
        first_date=(start - timedelta(days=1)).date(),
        last_date=(end + timedelta(days=1)).date(),
    )
    return cal.to_ical()
