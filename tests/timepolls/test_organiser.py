from datetime import timedelta
from io import StringIO

from django.core import mail
from django.core.management import call_command
from icalendar import Calendar

from events.models import Event
from tests.factories import UserFactory
from timepolls import services
from timepolls.audit import Actor
from timepolls.models import AuditEntry, Poll

from .conftest import answer_all, next_week
from .test_create import rows


def drain():
    call_command("send_mail_queue", "--once", stdout=StringIO())


def _calendar(message) -> Calendar:
    [(body, mimetype)] = [
        a for a in message.alternatives if a[1].startswith("text/calendar")
    ]
    return Calendar.from_ical(body), mimetype


def test_added_times_are_told_to_parties_who_answered(client, poll, parties, owner):
    answer_all(poll, parties["mo"], ["yes", "no", "no"])
    client.force_login(owner)

    response = client.post(
        f"/polls/{poll.pk}/times/add/",
        {
            "version": poll.version,
            "timezone": "UTC",
            **rows((f"{next_week(14):%Y-%m-%d}", "14:00")),
        },
    )
    drain()

    poll.refresh_from_db()
    assert response.url == f"/polls/{poll.pk}/"
    assert (poll.times.count(), poll.version) == (4, 2)
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["mo@example.org"], "The times for Planning call have changed")
    ]
    assert "List-Unsubscribe" in mail.outbox[0].extra_headers
    entry = AuditEntry.objects.get(action="time_added")
    assert entry.detail["told"] == ["Mo Member"]


def test_removing_a_time_keeps_its_answers_in_the_log(
    client, poll, parties, owner, times
):
    answer_all(poll, parties["mo"], ["yes", "no", "maybe"])
    client.force_login(owner)

    client.post(
        f"/polls/{poll.pk}/times/{times[2].pk}/remove/", {"version": poll.version}
    )

    entry = AuditEntry.objects.get(action="time_removed")
    assert entry.answers_before == {
        "time": times[2].key,
        "answers": {"Mo Member": "maybe"},
    }
    assert entry.answers_after == {"time": times[2].key, "answers": {}}
    assert poll.times.count() == 2


def test_removing_with_an_old_version_is_refused(client, poll, owner, times):
    client.force_login(owner)

    client.post(
        f"/polls/{poll.pk}/times/{times[2].pk}/remove/", {"version": poll.version + 1}
    )

    assert poll.times.count() == 3
    assert AuditEntry.objects.filter(action="time_removed").exists() is False


def test_agreeing_a_time_someone_said_no_to_needs_confirmation(
    client, poll, parties, owner, times
):
    answer_all(poll, parties["gus"], ["no", "yes", "yes"])
    client.force_login(owner)

    asked = client.post(
        f"/polls/{poll.pk}/agree/", {"version": poll.version, "time": times[0].pk}
    )
    poll.refresh_from_db()
    status_between = poll.status
    confirmed = client.post(
        f"/polls/{poll.pk}/agree/",
        {"version": poll.version, "time": times[0].pk, "confirm": "on"},
    )

    poll.refresh_from_db()
    assert asked.status_code == 409
    assert "Gus Guest said no to this time." in asked.content.decode()
    assert status_between == "open"
    assert confirmed.url == f"/polls/{poll.pk}/"
    assert (poll.status, poll.agreed_time_id) == ("agreed", times[0].pk)
    assert AuditEntry.objects.get(action="agreed").detail["said_no"] == ["Gus Guest"]


def test_invitation_shows_each_guest_only_themselves_and_parses_back(
    poll, parties, owner, times
):
    answer_all(poll, parties["mo"], ["yes", "no", "no"])
    answer_all(poll, parties["gus"], ["maybe", "no", "no"])

    services.poll_agree(poll=poll, time=times[0], actor=Actor(user=owner))
    drain()

    by_address = {m.to[0]: m for m in mail.outbox}
    assert sorted(by_address) == [
        "gus@example.net",
        "mo@example.org",
        "olga@example.org",
    ]
    poll.refresh_from_db()
    seen = {}
    for address, message in by_address.items():
        cal, mimetype = _calendar(message)
        assert mimetype == "text/calendar; method=REQUEST"
        assert str(cal["method"]) == "REQUEST"
        [event] = cal.walk("VEVENT")
        assert (str(event["uid"]), event["sequence"]) == (poll.uid, 0)
        assert event["dtstart"].dt == times[0].start
        assert event["dtend"].dt == times[0].start + timedelta(hours=1)
        assert event["dtstart"].params["TZID"] == "Europe/Berlin"
        assert str(event["organizer"].params["CN"]) == "Olga Owner"
        attendees = event["attendee"]
        attendees = attendees if isinstance(attendees, list) else [attendees]
        seen[address] = {str(a): str(a.params["PARTSTAT"]) for a in attendees}
    # The organiser knows everyone; a party sees no other party's address.
    assert seen == {
        "olga@example.org": {
            "mailto:olga@example.org": "NEEDS-ACTION",
            "mailto:mo@example.org": "ACCEPTED",
            "mailto:gus@example.net": "TENTATIVE",
        },
        "mo@example.org": {"mailto:mo@example.org": "ACCEPTED"},
        "gus@example.net": {"mailto:gus@example.net": "TENTATIVE"},
    }
    for guest, other in [("gus@example.net", "mo@"), ("mo@example.org", "gus@")]:
        message = by_address[guest]
        everything = message.body + "".join(a[0] for a in message.alternatives)
        assert other not in everything


def test_cancelling_an_agreed_poll_sends_a_calendar_cancellation(poll, owner, times):
    services.poll_agree(poll=poll, time=times[0], actor=Actor(user=owner))
    drain()
    mail.outbox.clear()

    services.poll_cancel(poll=poll, actor=Actor(user=owner), message="Venue closed")
    drain()

    assert len(mail.outbox) == 3
    cal, mimetype = _calendar(mail.outbox[0])
    [event] = cal.walk("VEVENT")
    assert (str(cal["method"]), mimetype) == ("CANCEL", "text/calendar; method=CANCEL")
    assert (str(event["status"]), event["sequence"]) == ("CANCELLED", 1)
    assert str(event["uid"]) == Poll.objects.get().uid


def test_cancelling_an_open_poll_tells_parties_who_got_a_link(
    client, poll, owner, parties
):
    services.party_link_reissue(party=parties["gus"], actor=Actor(user=owner))
    drain()
    mail.outbox.clear()
    client.force_login(owner)

    client.post(
        f"/polls/{poll.pk}/cancel/", {"version": poll.version, "message": "Not needed"}
    )
    drain()

    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["gus@example.net"], "Cancelled: Planning call")
    ]
    assert mail.outbox[0].alternatives[-1][1] == "text/html"


def test_group_owner_turns_an_agreed_poll_into_an_event(
    client, poll, owner, group, times
):
    services.poll_agree(poll=poll, time=times[1], actor=Actor(user=owner))
    client.force_login(owner)

    response = client.post(f"/polls/{poll.pk}/event/", {"group": group.pk})

    event = Event.objects.get()
    assert response.url == f"/events/{event.pk}/"
    assert (event.group, event.title, event.start, event.timezone) == (
        group,
        "Planning call",
        times[1].start,
        "Europe/Berlin",
    )
    assert event.end == times[1].start + timedelta(hours=1)
    poll = Poll.objects.get()
    assert poll.event == event
    # The same meeting in everyone's calendar: the poll's UID, a later SEQUENCE.
    assert (event.uid, event.sequence) == (poll.uid, poll.sequence + 1)
    assert AuditEntry.objects.get(action="event_created").detail == {
        "group": "Rust Berlin",
        "event_id": event.pk,
    }


def test_organiser_who_owns_no_group_cannot_make_an_event(
    client, group, times, poll, owner
):
    organiser = UserFactory(email="plain@example.org")
    other = services.poll_create(
        organiser=organiser, actor=Actor(user=organiser), title="Coffee", duration_minutes=30,
        times=[next_week(9)], parties=[services.PartySpec("x@example.net", "X", "UTC")],
    )  # fmt: skip
    services.poll_agree(poll=other, time=other.times.get(), actor=Actor(user=organiser))
    client.force_login(organiser)

    page = client.get(f"/polls/{other.pk}/").content.decode()
    client.post(f"/polls/{other.pk}/event/", {"group": group.pk})

    assert "Make it a group event" not in page
    assert Event.objects.exists() is False


def test_deleting_a_poll_keeps_its_log(client, poll, owner):
    client.force_login(owner)
    poll_id = poll.pk

    response = client.post(f"/polls/{poll_id}/delete/")

    assert response.url == "/polls/"
    assert Poll.objects.exists() is False
    assert list(
        AuditEntry.objects.filter(poll_id=poll_id)
        .order_by("pk")
        .values_list("action", "poll_title")
    ) == [("created", "Planning call"), ("deleted", "Planning call")]


def test_party_cannot_do_the_organisers_actions(client, poll, member, times):
    client.force_login(member)

    responses = [
        client.post(
            f"/polls/{poll.pk}/agree/", {"version": poll.version, "time": times[0].pk}
        ),
        client.post(f"/polls/{poll.pk}/notify/"),
        client.get(f"/polls/{poll.pk}/cancel/"),
        client.post(f"/polls/{poll.pk}/delete/"),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    assert Poll.objects.get().status == "open"


def test_outsider_gets_404_for_a_poll(client, poll, charlie):
    client.force_login(charlie)

    assert client.get(f"/polls/{poll.pk}/").status_code == 404
    assert client.post(f"/polls/{poll.pk}/notify/").status_code == 404
