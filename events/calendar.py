"""iCalendar files: per event, per group, per person, and invitations (iTIP)."""

from __future__ import annotations

from datetime import UTC
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy
from icalendar import Calendar
from icalendar import Event as VEvent

from core.conditional import entity_tag
from core.links import absolute_url
from core.markdown import markdown_to_text
from notifications import ical
from notifications.email import Invitation, email_language
from notifications.outbox import To

from . import replies

ONLINE_HIDDEN = gettext_lazy(
    "The online link is on the event page, for people attending."
)


def _vevent(event, *, stamp=None, online: bool = False) -> VEvent:
    """One VEVENT; the online link only when `online` (calendars of attendees)."""
    ve = ical.vevent(
        uid=event.uid,
        start=event.start,
        end=event.end,
        zone=event.zone,
        sequence=event.sequence,
        stamp=stamp,
    )
    ve.add("summary", event.title)
    url = absolute_url(event.get_absolute_url())
    description = markdown_to_text(event.description)
    if event.is_cancelled and event.cancel_message:
        cancelled = gettext("Cancelled: %(message)s") % {
            "message": event.cancel_message
        }
        description = f"{cancelled}\n\n{description}".strip()
    if event.online_url and not online:
        description = f"{description}\n\n{ONLINE_HIDDEN}".strip()
    ve.add("description", f"{description}\n\n{url}".strip())
    shown_url = event.online_url if online else ""
    location = ", ".join(p for p in [event.venue, shown_url] if p)
    if location:
        ve.add("location", location)
    ve.add("url", url)
    ve.add("status", "CANCELLED" if event.is_cancelled else "CONFIRMED")
    return ve


def _people_lines(
    event, *, attendee, organizer_email: str, method: str, replies: bool
) -> bytes:
    """The ORGANIZER and ATTENDEE lines of one person's invitation, as iCalendar.

    `replies`: ORGANIZER is their reply address (events/replies.py), so the
    invitation asks for a reply; otherwise it is a no-reply address and asks
    for none.
    """
    ve = VEvent()
    ve.add("organizer", ical.organizer(organizer_email, name=event.group.name))
    cancel = method == "CANCEL"
    address = ical.attendee(
        attendee.email,
        name=attendee.name,
        partstat=None if cancel else "ACCEPTED",
        rsvp=None if cancel else replies,
    )
    ve.add("attendee", address)
    lines = ve.to_ical().splitlines(keepends=True)
    return b"".join(lines[1:-1])  # without BEGIN:VEVENT and END:VEVENT


def _finish(cal: Calendar, events) -> bytes:
    starts = [e.start for e in events]
    if starts:
        ical.add_timezones(cal, first=min(starts), last=max(e.end for e in events))
    return cal.to_ical()


def event_ics(event, *, online: bool = False) -> bytes:
    """The event's .ics; `online` adds the online link (for people attending).

    A published file (no METHOD), so DTSTAMP is when the event last changed
    (RFC 5545, 3.8.7.2): the same row always makes the same bytes, which its
    entity tag (`event_etag`) promises.
    """
    cal = ical.calendar()
    cal.add_component(_vevent(event, stamp=event.updated_at, online=online))
    return _finish(cal, [event])


# Raise when the same rows start to make different bytes (a new field shown, a
# new library writing them otherwise), so clients holding the old ones refetch.
FORMAT = 1


def event_etag(event, *, online: bool) -> str:
    """The entity tag of `event_ics(event, online=online)`.

    Every change of what the file shows saves the row with a new `updated_at`
    (events.services, and the admin), so the row's key and that time stand for
    all of its fields. The texts the file adds ("Cancelled: ...") are in the
    active language, so that is part of the tag too.
    """
    return entity_tag(
        "event-ics",
        FORMAT,
        settings.SITE_URL,
        event.pk,
        event.updated_at,
        online,
        translation.get_language(),
    )


def feed_ics(events, *, name: str, online: bool = False) -> bytes:
    """A published feed (no METHOD): DTSTAMP is when each event last changed.

    `online` adds the online links: only for a person's own feed of the events
    they attend, never for a group's public feed.
    """
    events = list(events)
    cal = ical.calendar(name=name)
    for event in events:
        cal.add_component(_vevent(event, stamp=event.updated_at, online=online))
    return _finish(cal, events)


FEED_CACHE_SECONDS = 3600


def feed_etag(rows, *, name: str, online: bool, filename: str) -> str:
    """The entity tag of a feed of the events whose `(pk, updated_at)` are
    `rows`, in order: a changed, added, removed or reordered event is another
    tag (see `event_etag`), and so is another name, file name or site address,
    and another active language (the texts the feed adds, "Cancelled: ...",
    are in it; the tag is the body's cache key too).
    """
    shown = [(pk, updated_at) for pk, updated_at in rows]
    language = translation.get_language()
    return entity_tag(
        "feed", FORMAT, settings.SITE_URL, name, online, filename, language, shown
    )


def cached_feed_ics(
    events, *, etag: str, name: str, filename: str, online: bool = False
) -> tuple[bytes, str]:
    """`feed_ics` of `events()` and its tag, kept per process under the tag.

    The tag changes with every row the feed shows, so a kept body is never
    stale and processes need not share them; `events` is called only when
    this process has not built the feed yet. The rows it returns may be newer
    than the ones `etag` was computed from (a write committed in between), so
    the body is kept, and returned, under the tag of the rows it was built from.
    """
    body = cache.get(_feed_cache_key(etag))
    if body is not None:
        return body, etag
    shown = list(events())
    etag = feed_etag(
        [(e.pk, e.updated_at) for e in shown],
        name=name,
        online=online,
        filename=filename,
    )
    body = feed_ics(shown, name=name, online=online)
    cache.set(_feed_cache_key(etag), body, FEED_CACHE_SECONDS)
    return body, etag


def _feed_cache_key(etag: str) -> str:
    return "ics-feed:" + etag.strip('"')


def invitation(event, *, attendee, method: str) -> Invitation:
    """`invitation_ics` as the calendar part of an email."""
    ((_, one),) = invitations(event, attendees=[attendee], method=method)
    return one


def invitation_ics(event, *, attendee, method: str) -> bytes:
    """An iTIP REQUEST or CANCEL for one attendee, with a stable UID and SEQUENCE."""
    return invitation(event, attendee=attendee, method=method).ics


def invitations(event, *, attendees, method: str) -> list[tuple[To, Invitation]]:
    """One iTIP REQUEST or CANCEL per attendee, each naming only that person.

    RFC 5546 wants the ATTENDEE in a REQUEST (3.2.2) and a CANCEL (3.2.5);
    each goes out as a message of its own (notifications.email._personal).
    ORGANIZER is the person's reply address with INBOUND_EMAIL_DOMAIN, the
    no-reply sender without. The calendar is built once and each person's
    ORGANIZER and ATTENDEE lines put into its one VEVENT: building it per
    person took 2.5 ms each. It is built once per language among them: a
    cancellation's DESCRIPTION says "Cancelled" in the person's language.
    Side effects: a ReplyAddress row per person, with INBOUND_EMAIL_DOMAIN;
    their invitations are then `private` (sealed in the outbox).
    """
    attendees = list(attendees)
    built: dict[str, tuple[bytes, bytes, bytes]] = {}
    noreply = ical.noreply_address()
    reply_to = replies.reply_addresses(event, attendees)
    found = []
    for person in attendees:
        language = email_language(person.language)
        if language not in built:
            with translation.override(language):
                cal = ical.calendar(method=method)
                cal.add_component(_vevent(event, online=True))
            # The one VEVENT ends on a line of its own; a title ending in
            # "END:VEVENT" is on a line that starts otherwise.
            built[language] = _finish(cal, [event]).rpartition(b"\r\nEND:VEVENT\r\n")
        head, _, tail = built[language]
        private = person.pk in reply_to
        lines = _people_lines(
            event,
            attendee=person,
            organizer_email=reply_to.get(person.pk, noreply),
            method=method,
            replies=private,
        )
        ics = head + b"\r\n" + lines + b"END:VEVENT\r\n" + tail
        to = To(person.email, person.pk, person.language)
        found.append((to, Invitation(ics, method, private)))
    return found


def _web_details(event) -> dict[str, str]:
    """What the "add to calendar" links say: never the online link, which is
    only for people attending; the event page carries it for them."""
    return {
        "title": event.title,
        "details": absolute_url(event.get_absolute_url()),
        "location": event.venue or (gettext("Online") if event.online_url else ""),
    }


def google_calendar_url(event) -> str:
    """Google Calendar's "add event" page, filled in (times in UTC)."""
    fmt = "%Y%m%dT%H%M%SZ"
    about = _web_details(event)
    start, end = event.start.astimezone(UTC), event.end.astimezone(UTC)
    query = {
        "action": "TEMPLATE",
        "text": about["title"],
        "dates": f"{start:{fmt}}/{end:{fmt}}",
        "details": about["details"],
        "location": about["location"],
    }
    return "https://calendar.google.com/calendar/render?" + _query(query)


def outlook_calendar_url(event) -> str:
    """Outlook.com's "new event" page, filled in (times in UTC)."""
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    about = _web_details(event)
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": about["title"],
        "startdt": f"{event.start.astimezone(UTC):{fmt}}",
        "enddt": f"{event.end.astimezone(UTC):{fmt}}",
        "body": about["details"],
        "location": about["location"],
    }
    return "https://outlook.live.com/calendar/0/deeplink/compose?" + _query(query)


def _query(values: dict[str, str]) -> str:
    return urlencode({k: v for k, v in values.items() if v}, quote_via=quote)
