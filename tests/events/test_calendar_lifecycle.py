"""Who gets which calendar message, step by step through an event's life.

Every email is read as sent (the outbox drained by the real sender) and every
calendar part parsed with icalendar: METHOD, SEQUENCE, the ATTENDEE it names
and RSVP. Someone who stops attending gets a CANCEL so their calendar drops the
event, and people on the waiting list, who were never invited, get no calendar.
Every calendar names its own recipient as ATTENDEE (RFC 5546 3.2.2 and 3.2.5
want one in a REQUEST and a CANCEL), and nobody else.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from events import services
from groups.services import membership_leave
from tests.factories import EventFactory, MembershipFactory, UserFactory
from tests.notifications.helpers import run_sender

pytestmark = pytest.mark.django_db


def sent(
    organizers: list[str] | None = None,
) -> list[tuple[str, str | None, int | None, list[str], str]]:
    """(to, METHOD, SEQUENCE, ATTENDEE addresses, RSVP) of each email since last.

    The ORGANIZER of each calendar is appended to `organizers`.
    """
    organizers = [] if organizers is None else organizers
    run_sender()
    found = []
    for message in mail.outbox:
        parts = [b for b, kind in message.alternatives if kind.startswith("text/cal")]
        if not parts:
            found.append((message.to[0], None, None, [], ""))
            continue
        cal = Calendar.from_ical(parts[0])
        (vevent,) = cal.walk("VEVENT")
        attendees = vevent.get("attendee", [])
        attendees = attendees if isinstance(attendees, list) else [attendees]
        rsvp = ",".join(str(a.params.get("RSVP", "")) for a in attendees)
        organizers.append(str(vevent["organizer"]))
        found.append(
            (
                message.to[0],
                str(cal["method"]),
                int(vevent["sequence"]),
                [str(a).removeprefix("mailto:") for a in attendees],
                rsvp,
            )
        )
    mail.outbox.clear()
    return sorted(found)


@pytest.fixture
def people(group, owner):
    ann, bob, cat = (
        UserFactory(email=f"{n}@example.org", name=n.title())
        for n in ("ann", "bob", "cat")
    )
    for person in (ann, bob, cat):
        MembershipFactory(user=person, group=group)
    event = EventFactory(group=group, capacity=2)
    run_sender()
    mail.outbox.clear()
    return event, ann, bob, cat


def test_every_step_sends_the_right_method_and_sequence(people, owner):
    event, ann, bob, cat = people
    steps, organizers = [], []

    def step(name, action):
        action()
        steps.append((name, sent(organizers)))

    step(
        "ann attends",
        lambda: services.rsvp_set(event=event, user=ann, choice="attending"),
    )
    step(
        "bob attends",
        lambda: services.rsvp_set(event=event, user=bob, choice="attending"),
    )
    step(
        "cat waits",
        lambda: services.rsvp_set(event=event, user=cat, choice="attending"),
    )
    later = event.start + timedelta(hours=1)
    step(
        "time changes",
        lambda: services.event_update(
            event=event, by=owner, start=later, end=later + timedelta(hours=2)
        ),
    )
    step(
        "title changes",
        lambda: services.event_update(event=event, by=owner, title="New"),
    )
    step(
        "bob withdraws", lambda: services.rsvp_set(event=event, user=bob, choice="none")
    )
    step(
        "ann says no",
        lambda: services.rsvp_set(event=event, user=ann, choice="not_attending"),
    )
    step(
        "ann rejoins",
        lambda: services.rsvp_set(event=event, user=ann, choice="attending"),
    )
    step("cat leaves", lambda: membership_leave(user=cat, group=event.group))
    step("cancelled", lambda: services.event_cancel(event=event, by=owner))

    a, b, c = "ann@example.org", "bob@example.org", "cat@example.org"
    assert steps == [
        ("ann attends", [(a, "REQUEST", 0, [a], "FALSE")]),
        ("bob attends", [(b, "REQUEST", 0, [b], "FALSE")]),
        ("cat waits", [(c, None, None, [], "")]),
        # One message per person attending, naming them; none to the waiting list.
        ("time changes", [
            (a, "REQUEST", 1, [a], "FALSE"),
            (b, "REQUEST", 1, [b], "FALSE"),
            (c, None, None, [], ""),
        ]),
        ("title changes", [
            (a, "REQUEST", 2, [a], "FALSE"),
            (b, "REQUEST", 2, [b], "FALSE"),
            (c, None, None, [], ""),
        ]),
        # Bob's place goes to Cat, who now gets her first invitation.
        ("bob withdraws", [(b, "CANCEL", 2, [b], ""), (c, "REQUEST", 2, [c], "FALSE")]),
        ("ann says no", [(a, "CANCEL", 2, [a], "")]),
        ("ann rejoins", [(a, "REQUEST", 2, [a], "FALSE")]),
        ("cat leaves", [(c, "CANCEL", 2, [c], "")]),
        ("cancelled", [(a, "CANCEL", 3, [a], "")]),
    ]  # fmt: skip
    # Without INBOUND_EMAIL_DOMAIN every calendar has the one no-reply ORGANIZER.
    assert set(organizers) == {"mailto:noreply@localhost"}


def test_an_instant_in_a_repeated_hour_is_written_in_utc(group):
    # 2026-10-25 in Berlin: 02:00-03:00 local happens twice; 00:30Z is 02:30
    # CEST and 01:30Z is 02:30 CET, the same wall-clock time.
    start = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    event = EventFactory(
        group=group,
        timezone="Europe/Berlin",
        start=start,
        end=start + timedelta(hours=1),
    )
    from events.calendar import event_ics

    (vevent,) = Calendar.from_ical(event_ics(event)).walk("VEVENT")

    assert vevent["dtstart"].dt == start
    assert vevent["dtend"].dt == start + timedelta(hours=1)
    assert vevent["dtend"].dt > vevent["dtstart"].dt
    assert timezone.is_aware(vevent["dtstart"].dt)
