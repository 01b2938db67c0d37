from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from icalendar import Calendar

from events.services import event_cancel, event_create, event_update, rsvp_set
from notifications.models import Delivery, OptOut
from tests.factories import EventFactory, MembershipFactory, RsvpFactory, UserFactory


def drain():
    call_command("send_mail_queue", "--once", stdout=StringIO())


def _calendar_of(message):
    parts = [c for c, t in message.alternatives if t.startswith("text/calendar")]
    return Calendar.from_ical(parts[0]), message.alternatives


def test_new_event_is_announced_to_members_not_opted_out(group, owner, member):
    OptOut.objects.create(user=owner, group=group, topic="announcements")
    from django.utils import timezone

    start = timezone.now() + timezone.timedelta(days=3)
    event_create(group=group, by=owner, title="Launch party", start=start,
                 end=start + timezone.timedelta(hours=2), timezone="UTC", venue="Hall")  # fmt: skip
    drain()

    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["mo@example.org"], "New event in Rust Berlin: Launch party")
    ]


def test_rsvp_attending_sends_confirmation_with_invitation(event, member):
    rsvp_set(event=event, user=member, choice="attending")
    drain()

    [message] = mail.outbox
    assert message.to == ["mo@example.org"]
    assert message.subject == "You are attending Async Rust night"
    cal, _ = _calendar_of(message)
    assert str(cal["method"]) == "REQUEST"
    [vevent] = cal.walk("VEVENT")
    assert str(vevent["uid"]) == event.uid
    assert str(vevent["attendee"]) == "mailto:mo@example.org"
    assert vevent["attendee"].params["RSVP"] == "FALSE"
    assert [a[0] for a in message.attachments] == ["invite.ics"]


def test_time_change_sends_updated_invitation_with_higher_sequence(
    event, owner, member
):
    RsvpFactory(event=event, user=member)
    waiting = RsvpFactory(
        event=event, user=UserFactory(email="w@example.org"), status="waitlisted"
    ).user
    MembershipFactory(group=event.group, user=waiting)

    hour = timedelta(hours=1)
    event_update(
        event=event,
        by=owner,
        start=event.start + hour,
        end=event.end + hour,
        capacity=1,
    )
    drain()

    assert sorted(m.to[0] for m in mail.outbox) == ["mo@example.org", "w@example.org"]
    (waiting_mail,) = [m for m in mail.outbox if m.to == ["w@example.org"]]
    assert not [a for a in waiting_mail.alternatives if "calendar" in a[1]]
    assert "waiting list" in waiting_mail.body
    (attending_mail,) = [m for m in mail.outbox if m.to == ["mo@example.org"]]
    cal, _ = _calendar_of(attending_mail)
    [vevent] = cal.walk("VEVENT")
    assert (str(cal["method"]), vevent["sequence"], str(vevent["uid"])) == (
        "REQUEST",
        1,
        event.uid,
    )


def test_title_change_updates_calendars(event, owner, member):
    RsvpFactory(event=event, user=member)

    event_update(event=event, by=owner, title="Renamed")
    drain()

    [message] = mail.outbox
    cal, _ = _calendar_of(message)
    [vevent] = cal.walk("VEVENT")
    assert (str(vevent["summary"]), vevent["sequence"]) == ("Renamed", 1)
    assert "The details of Renamed" in message.body


def test_cancellation_sends_method_cancel(event, owner, member):
    RsvpFactory(event=event, user=member)

    event_cancel(event=event, by=owner, message="Sorry")
    drain()

    [message] = mail.outbox
    cal, _ = _calendar_of(message)
    [vevent] = cal.walk("VEVENT")
    assert (str(cal["method"]), str(vevent["status"]), vevent["sequence"]) == (
        "CANCEL",
        "CANCELLED",
        1,
    )
    assert "Sorry" in message.body


def test_promotion_from_waiting_list_sends_confirmation(group, owner):
    event = EventFactory(group=group, capacity=1)
    first = UserFactory(email="first@example.org")
    second = UserFactory(email="second@example.org")
    rsvp_set(event=event, user=first, choice="attending")
    rsvp_set(event=event, user=second, choice="attending")
    drain()
    assert [m.subject for m in mail.outbox] == [
        f"You are attending {event.title}", f"You are on the waiting list for {event.title}",
    ]  # fmt: skip
    mail.outbox.clear()

    rsvp_set(event=event, user=first, choice="none")
    drain()

    assert sorted((m.to, m.subject) for m in mail.outbox) == [
        (["first@example.org"], f"You are no longer attending {event.title}"),
        (["second@example.org"], f"You are attending {event.title}"),
    ]


@pytest.mark.django_db
def test_reminders_go_once_to_attendees_of_tomorrows_events(group, owner, member):
    from django.utils import timezone

    soon = EventFactory(group=group, start=timezone.now() + timezone.timedelta(hours=20),
                        end=timezone.now() + timezone.timedelta(hours=22))  # fmt: skip
    later = EventFactory(group=group)
    RsvpFactory(event=soon, user=member)
    RsvpFactory(event=later, user=owner)

    out = StringIO()
    call_command("send_reminders", stdout=out)
    call_command("send_reminders", stdout=StringIO())
    drain()

    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["mo@example.org"], f"Tomorrow: {soon.title}")
    ]
    assert out.getvalue().endswith("1 reminder queued.\n")


def _calendar_attendees(payload) -> list[str]:
    (ics,) = [c["value"] for c in payload["content"] if "calendar" in c["type"]]
    (vevent,) = Calendar.from_ical(ics).walk("VEVENT")
    attendees = vevent.get("attendee", [])
    attendees = attendees if isinstance(attendees, list) else [attendees]
    return [str(a).removeprefix("mailto:") for a in attendees]


@pytest.mark.parametrize("change", ["time", "cancel"])
def test_each_calendar_holder_gets_a_request_naming_only_them(
    sendgrid, event, owner, change
):
    people = [UserFactory(email=f"p{i}@example.org") for i in range(3)]
    for person in people:
        RsvpFactory(event=event, user=person)

    if change == "time":
        hour = timedelta(hours=1)
        event_update(event=event, by=owner, start=event.start + hour,
                     end=event.end + hour)  # fmt: skip
    else:
        event_cancel(event=event, by=owner)
    drain()

    # The calendar part is shared by a request's personalizations, so a
    # calendar that names its recipient travels alone.
    assert sorted(
        ([p["to"][0]["email"] for p in payload["personalizations"]],
         _calendar_attendees(payload))
        for payload in sendgrid.requests
    ) == [([p.email], [p.email]) for p in people]  # fmt: skip


def test_an_attendee_who_opted_out_of_updates_gets_no_changed_invitation(
    event, owner, member, charlie
):
    for person in (member, charlie):
        RsvpFactory(event=event, user=person)
    OptOut.objects.create(user=charlie, group=event.group, topic="event_updates")

    event_update(event=event, by=owner, title="Renamed")

    assert sorted(Delivery.objects.values_list("email", "status")) == [
        ("charlie@example.org", "suppressed"),
        ("mo@example.org", "pending"),
    ]
