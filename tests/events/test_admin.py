"""Staff editing an event in the admin change it as an owner's edit does.

The change form is read and posted back as a browser would, with only the
fields under test changed: a change of what calendars show raises the
SEQUENCE and sends the people attending an updated invitation.
"""

from datetime import datetime, timedelta

import pytest
from django.core import mail
from icalendar import Calendar

from events import services
from events.models import Event
from tests.admin_forms import change_form, post_change
from tests.notifications.helpers import run_sender

pytestmark = pytest.mark.django_db


def _url(event: Event) -> str:
    return f"/admin/events/event/{event.pk}/change/"


def _calendars() -> list[tuple[str, str, int, datetime]]:
    """(to, METHOD, SEQUENCE, DTSTART) of each calendar email since last."""
    run_sender()
    found = []
    for message in mail.outbox:
        for body, kind in message.alternatives:
            if kind.startswith("text/calendar"):
                cal = Calendar.from_ical(body)
                (vevent,) = cal.walk("VEVENT")
                start = vevent.decoded("dtstart")
                found.append(
                    (message.to[0], str(cal["method"]), int(vevent["sequence"]), start)
                )
    mail.outbox.clear()
    return found


@pytest.fixture(autouse=True)
def _edited_on_the_site(event, owner):
    Event.objects.filter(pk=event.pk).update(updated_by=owner)


@pytest.fixture
def admin_client(client, staff):
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    return client


def test_a_new_time_in_the_admin_raises_the_sequence_and_tells_the_attendees(
    admin_client, event, member
):
    services.rsvp_set(event=event, user=member, choice="attending")
    _calendars()
    shown = change_form(admin_client, _url(event))
    hour = datetime.fromisoformat(f"{shown['start_0']} {shown['start_1']}")
    hour += timedelta(hours=1)
    later = event.start + timedelta(hours=1)

    response = post_change(
        admin_client,
        _url(event),
        start_0=f"{hour:%Y-%m-%d}",
        start_1=f"{hour:%H:%M:%S}",
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    event.refresh_from_db()
    assert (event.start, event.sequence) == (later, 1)
    assert _calendars() == [(member.email, "REQUEST", 1, later)]


def test_an_admin_edit_of_nothing_calendars_show_keeps_the_sequence(
    admin_client, event, member
):
    services.rsvp_set(event=event, user=member, choice="attending")
    _calendars()

    response = post_change(admin_client, _url(event), capacity="40")

    assert response.status_code == 302, response.context["adminform"].form.errors
    event.refresh_from_db()
    assert (event.capacity, event.sequence) == (40, 0)
    assert _calendars() == []


def test_the_admin_cannot_cancel_an_event_without_telling_anyone(
    admin_client, event, member
):
    services.rsvp_set(event=event, user=member, choice="attending")

    post_change(admin_client, _url(event), status="cancelled", cancel_message="Gone")

    event.refresh_from_db()
    assert (event.status, event.cancel_message) == ("scheduled", "")
