"""iTIP invitations for an agreed poll.

Each party gets their own calendar: the organiser's lists every party as an
ATTENDEE (with the part status their answer implies), a party's lists only
themselves, so no guest learns another's address. The UID is the poll's and
stays; SEQUENCE rises when the poll is cancelled.
"""

from __future__ import annotations

from django.utils.translation import gettext

from core.links import absolute_url
from notifications import ical

PRODID = "-//meetings//find a time//EN"
PARTSTAT = {"yes": "ACCEPTED", "maybe": "TENTATIVE", "no": "DECLINED"}


def invitation_ics(poll, *, parties, answers: dict, method: str) -> bytes:
    """METHOD:REQUEST (agreed) or METHOD:CANCEL for the poll's agreed time.

    `answers` maps party id to {time id: choice}; it sets each ATTENDEE's
    PARTSTAT for the agreed time.
    """
    time = poll.agreed_time
    # The end is an instant (`PollTime.end`): a local start plus the duration
    # would be wall-clock arithmetic, an hour off across a DST change.
    cal = ical.calendar(method=method, prodid=PRODID)
    ve = ical.vevent(
        uid=poll.uid,
        start=time.start,
        end=time.end,
        zone=poll.zone,
        sequence=poll.sequence,
    )
    ve.add("summary", poll.title)
    url = absolute_url(poll.get_absolute_url())
    description = poll.description
    if method == "CANCEL" and poll.cancel_message:
        cancelled = gettext("Cancelled: %(message)s") % {"message": poll.cancel_message}
        description = f"{cancelled}\n\n{description}"
    ve.add("description", description.strip() or poll.title)
    if poll.location:
        ve.add("location", poll.location)
    ve.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    ve.add(
        "organizer", ical.organizer(ical.noreply_address(), name=poll.organiser.name)
    )
    for party in parties:
        choice = answers.get(party.pk, {}).get(time.pk)
        partstat = PARTSTAT.get(choice, "NEEDS-ACTION")
        ve.add(
            "attendee", ical.attendee(party.email, name=party.name, partstat=partstat)
        )
    ve.add("url", url)
    cal.add_component(ve)
    zone = poll.zone
    ical.add_timezones(
        cal, first=time.start.astimezone(zone), last=time.end.astimezone(zone)
    )
    return cal.to_ical()
