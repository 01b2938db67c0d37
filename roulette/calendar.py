"""Calendar invitations (iTIP REQUEST / CANCEL) for one roulette meeting.

Each recipient gets their own copy: the times are written in their zone (in
UTC inside a repeated daylight-saving hour), and everyone meeting is listed as
an ATTENDEE. The UID never changes for a pairing and SEQUENCE rises with every
change, so calendars update the one entry.
"""

from __future__ import annotations

import zoneinfo
from datetime import timedelta
from functools import lru_cache

from django.utils import translation
from django.utils.translation import gettext
from icalendar import Timezone

from core.links import absolute_url
from notifications import ical
from notifications.email import Invitation, email_language

from .pairing import week_bounds


def summary(pairing, people) -> str:
    names = " & ".join(person.name for person in people)
    return gettext("Coffee roulette: %(names)s") % {"names": names}


def pairing_invitation(
    *, pairing, people, tz: str, method: str, language: str = ""
) -> Invitation:
    """`pairing_ics` as the calendar part of an email, its texts in the
    recipient's `language` (as their email is)."""
    with translation.override(email_language(language)):
        ics = pairing_ics(pairing=pairing, people=people, tz=tz, method=method)
    return Invitation(ics, method)


def pairing_ics(*, pairing, people, tz: str, method: str) -> bytes:
    """An invitation for `people` (ATTENDEE lines), times in `tz`."""
    zone = zoneinfo.ZoneInfo(tz)
    cal = ical.calendar(method=method)
    url = absolute_url(pairing.get_absolute_url())
    cancelled = method == "CANCEL" or not pairing.is_active
    ve = ical.vevent(
        uid=pairing.uid,
        start=pairing.start,
        end=pairing.end,
        zone=zone,
        sequence=pairing.sequence,
    )
    ve.add("summary", summary(pairing, people))
    ve.add(
        "description",
        gettext(
            "%(group)s coffee roulette.\n\nVideo call: %(video)s\n\n"
            "Change or cancel: %(url)s"
        )
        % {"group": pairing.round.group.name, "video": pairing.video_link, "url": url},
    )
    ve.add("location", pairing.video_link)
    ve.add("url", url)
    ve.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    name = pairing.round.group.name
    # ORGANIZER is the no-reply sender, so calendars must not offer Yes/No
    # buttons that reply to it: changes go through the link in DESCRIPTION.
    ve.add("organizer", ical.organizer(ical.noreply_address(), name=name))
    for person in people:
        ve.add(
            "attendee",
            ical.attendee(
                person.email, name=person.name, partstat="NEEDS-ACTION", rsvp=False
            ),
        )
    cal.add_component(ve)
    for index, tzid in enumerate(sorted(cal.get_missing_tzids())):
        component = _vtimezone(tzid, pairing.round.iso_week)
        if component is not None:
            cal.subcomponents.insert(index, component)
    return cal.to_ical()


@lru_cache(maxsize=256)
def _vtimezone(tzid: str, iso_week: str) -> Timezone | None:
    """The zone's rules around one week (None for a zone icalendar cannot write).

    Building a VTIMEZONE costs about 30 ms, most of a whole email; a weekly run
    sends thousands of invitations in a few dozen zones, so each zone is built
    once per week. Components are only read when a calendar is serialised.
    """
    monday, next_monday = week_bounds(iso_week)
    try:
        return Timezone.from_tzid(
            tzid,
            first_date=monday - timedelta(days=2),
            last_date=next_monday + timedelta(days=2),
        )
    except ValueError:
        return None
