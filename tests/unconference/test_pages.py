import re
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from tests.factories import (
    EventFactory,
    InterestFactory,
    MembershipFactory,
    RoomFactory,
    RsvpFactory,
    ScheduleRunFactory,
    SessionFactory,
    SlotFactory,
    UnconferenceFactory,
    UserFactory,
)
from unconference.models import Room, Slot, Unconference


def _url(event, path=""):
    return f"/events/{event.pk}/unconference/{path}"


def _publish(unconf, sessions):
    """A published run placing the sessions in the first slots of the big hall."""
    slots = list(unconf.slots.filter(is_break=False).order_by("start"))
    big = unconf.rooms.get(name="Big hall")
    run = ScheduleRunFactory(
        unconference=unconf,
        assignment={str(s.pk): [slots[i].pk, big.pk] for i, s in enumerate(sessions)},
        attendance={str(s.pk): 2.0 for s in sessions},
    )
    unconf.published_run = run
    unconf.save()
    return run


def test_owner_turns_on_unconference_mode(client, event, owner):
    client.force_login(owner)

    response = client.post(_url(event, "setup/"))

    assert response.url == _url(event, "rooms/")
    assert Unconference.objects.get(event=event).enabled is True


def test_owner_link_leads_to_setup_until_enabled(client, event, owner):
    client.force_login(owner)

    before = client.get(f"/events/{event.pk}/").content.decode()
    Unconference.objects.create(event=event)
    after = client.get(f"/events/{event.pk}/").content.decode()

    assert f'<a href="{_url(event, "setup/")}">Unconference programme</a>' in before
    assert f'<a href="{_url(event)}">Unconference programme</a>' in after


def test_everyone_sees_the_link_when_enabled(client, unconf):
    html = client.get(f"/events/{unconf.event.pk}/").content.decode()

    assert "Unconference sessions, timetable and your agenda" in html


def test_settings_refuse_weights_out_of_order(client, unconf, owner):
    client.force_login(owner)
    data = {"enabled": "on", "weight_a_little": 5, "weight_yes": 3, "weight_very": 4}

    html = client.post(_url(unconf.event, "settings/"), data).content.decode()

    assert "The weights must grow: “a little” ≤ “yes” ≤ “very”." in html
    unconf.refresh_from_db()
    assert unconf.weights["a_little"] == 1


def test_settings_save_weights_and_switches(client, unconf, owner):
    client.force_login(owner)
    data = {"enabled": "on", "weight_a_little": 1, "weight_yes": 2, "weight_very": 5}

    client.post(_url(unconf.event, "settings/"), data)

    unconf.refresh_from_db()
    assert (unconf.weight_yes, unconf.weight_very) == (2, 5)
    assert (unconf.proposals_open, unconf.interest_open) == (False, False)


def test_owner_adds_a_room(client, unconf, owner):
    client.force_login(owner)

    client.post(_url(unconf.event, "rooms/"), {"name": " Lab  1 ", "capacity": 12})

    assert Room.objects.filter(unconference=unconf, name="Lab 1", capacity=12).exists()


def test_room_names_are_unique_ignoring_case(client, unconf, owner):
    client.force_login(owner)

    html = client.post(
        _url(unconf.event, "rooms/"), {"name": "big HALL", "capacity": 3}
    ).content.decode()

    assert "There is a room called “big HALL” already." in html
    assert unconf.rooms.count() == 2


def test_owner_adds_a_slot_in_the_event_zone(client, unconf, owner):
    event = unconf.event
    local = (event.start + timedelta(hours=3)).astimezone(event.zone)
    client.force_login(owner)

    client.post(
        _url(event, "slots/"),
        {
            "start": local.strftime("%Y-%m-%dT%H:%M"),
            "end": (local + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"),
        },
    )

    assert unconf.slots.filter(start=event.start + timedelta(hours=3)).exists()


@pytest.mark.parametrize(
    "offset,message",
    [
        (timedelta(minutes=30), "This overlaps the slot"),
        (timedelta(hours=5), "A slot must lie within the event"),
    ],
)
def test_bad_slots_are_refused(client, unconf, owner, offset, message):
    event = unconf.event
    local = (event.start + offset).astimezone(event.zone)
    client.force_login(owner)

    html = client.post(
        _url(event, "slots/"),
        {
            "start": local.strftime("%Y-%m-%dT%H:%M"),
            "end": (local + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"),
        },
    ).content.decode()

    assert message in html
    assert Slot.objects.filter(unconference=unconf).count() == 4


@pytest.mark.parametrize("field", ["start", "end"])
@pytest.mark.parametrize("far", ["0001-01-01T00:00", "9999-12-31T23:59"])
def test_slot_times_far_outside_the_event_are_refused(
    client, unconf, owner, field, far
):
    event = unconf.event
    local = (event.start + timedelta(hours=3)).astimezone(event.zone)
    data = {
        "start": local.strftime("%Y-%m-%dT%H:%M"),
        "end": (local + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"),
    }
    client.force_login(owner)

    response = client.post(_url(event, "slots/"), {**data, field: far})

    assert response.context["form"].errors[field] == [
        "A slot must lie within the event's start and end."
    ]
    assert Slot.objects.filter(unconference=unconf).count() == 4


def test_owner_pins_a_session_to_a_slot_and_room(client, unconf, owner):
    session = SessionFactory(unconference=unconf)
    slot = unconf.slots.filter(is_break=False).first()
    room = unconf.rooms.first()
    client.force_login(owner)

    client.post(
        _url(unconf.event, f"sessions/{session.pk}/placement/"),
        {"pinned_slot": slot.pk, "pinned_room": room.pk},
    )

    session.refresh_from_db()
    assert (session.pinned_slot, session.pinned_room) == (slot, room)


def test_pin_to_a_slot_the_proposer_cannot_make_is_refused(client, unconf, owner):
    session = SessionFactory(unconference=unconf)
    slot = unconf.slots.filter(is_break=False).first()
    session.unavailable_slots.set([slot])
    client.force_login(owner)

    html = client.post(
        _url(unconf.event, f"sessions/{session.pk}/placement/"),
        {"pinned_slot": slot.pk},
    ).content.decode()

    assert "The proposer cannot make this slot." in html
    session.refresh_from_db()
    assert session.pinned_slot is None


def test_timetable_shows_the_published_grid(client, unconf):
    talk = SessionFactory(unconference=unconf, title="Tokio internals")
    _publish(unconf, [talk])

    html = client.get(_url(unconf.event, "timetable/")).content.decode()

    assert "Big hall" in html and "Tokio internals" in html
    assert '<td colspan="2">Break</td>' in html


def test_timetable_cells_name_their_room_for_the_phone_layout(client, unconf):
    talk = SessionFactory(unconference=unconf, title="Tokio internals")
    _publish(unconf, [talk])

    html = client.get(_url(unconf.event, "timetable/")).content.decode()

    assert '<td data-room="Big hall"><a href="' in html


def test_timetable_says_which_rooms_are_free_in_a_slot(client, unconf):
    talk = SessionFactory(unconference=unconf, title="Tokio internals")
    _publish(unconf, [talk])

    html = client.get(_url(unconf.event, "timetable/")).content.decode()

    assert html.count('<td data-room="Small room"><span class="muted">No session') == 3
    assert html.count('<td data-room="Big hall"><span class="muted">No session') == 2


def test_timetable_before_publication(client, unconf):
    html = client.get(_url(unconf.event, "timetable/")).content.decode()

    assert "The timetable is not published yet." in html


def test_agenda_shows_coverage(client, unconf, attendee):
    a, b = SessionFactory(unconference=unconf), SessionFactory(unconference=unconf)
    InterestFactory(session=a, user=attendee, level="very")
    InterestFactory(session=b, user=attendee, level="very")
    slot = unconf.slots.filter(is_break=False).first()
    rooms = list(unconf.rooms.all())
    run = ScheduleRunFactory(
        unconference=unconf,
        assignment={
            str(a.pk): [slot.pk, rooms[0].pk],
            str(b.pk): [slot.pk, rooms[1].pk],
        },
    )  # both in one slot: Ada can attend one of her two favourites
    unconf.published_run = run
    unconf.save()
    client.force_login(attendee)

    html = client.get(_url(unconf.event, "agenda/")).content.decode()

    assert "Your schedule covers 50% of your interests." in html
    assert a.title in html and b.title in html  # a tie shows both


def test_agenda_ics_lists_the_agenda(client, unconf, attendee):
    talk = SessionFactory(unconference=unconf, title="Pinned talk")
    InterestFactory(session=talk, user=attendee, level="yes")
    _publish(unconf, [talk])
    client.force_login(attendee)

    response = client.get(_url(unconf.event, "agenda.ics"))

    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert [str(e["summary"]) for e in events] == ["Pinned talk"]
    assert str(events[0]["location"]) == "Big hall, Town hall"


def test_agenda_has_a_private_feed_a_calendar_app_can_subscribe_to(
    client, unconf, attendee
):
    talk = SessionFactory(unconference=unconf, title="Pinned talk")
    InterestFactory(session=talk, user=attendee, level="yes")
    _publish(unconf, [talk])
    client.force_login(attendee)
    client.post("/calendar/regenerate/")
    page = client.get(_url(unconf.event, "agenda/")).content.decode()
    (feed,) = re.findall(r'href="(/calendar/[^"/]+/unconference-\d+\.ics)"', page)
    client.logout()

    response = client.get(feed)  # No session: as a calendar app fetches it.
    client.force_login(attendee)
    client.post("/calendar/regenerate/")
    client.logout()
    revoked = client.get(feed)

    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert response.status_code == 200
    assert [str(e["summary"]) for e in events] == ["Pinned talk"]
    assert revoked.status_code == 404


@pytest.mark.parametrize("count", [1, 3])
def test_timetable_query_count(client, unconf, django_assert_num_queries, count):
    _publish(unconf, [SessionFactory(unconference=unconf) for _ in range(count)])

    with django_assert_num_queries(4):
        response = client.get(_url(unconf.event, "timetable/"))

    assert (
        sum(1 for row in response.context["rows"] for c in row.cells if c.session)
        == count
    )


@pytest.mark.parametrize("count", [1, 3])
def test_rooms_query_count(client, unconf, owner, django_assert_num_queries, count):
    unconf.rooms.all().delete()
    RoomFactory.create_batch(count, unconference=unconf)
    client.force_login(owner)

    with django_assert_num_queries(5):
        response = client.get(_url(unconf.event, "rooms/"))

    assert len(response.context["rooms"]) == count


@pytest.mark.parametrize("count", [1, 3])
def test_slots_query_count(client, unconf, owner, django_assert_num_queries, count):
    unconf.slots.all().delete()
    for n in range(count):
        SlotFactory(unconference=unconf, n=n)
    client.force_login(owner)

    with django_assert_num_queries(5):
        response = client.get(_url(unconf.event, "slots/"))

    assert len(response.context["slots"]) == count


@pytest.mark.parametrize("count", [1, 3])
def test_scheduler_page_query_count(
    client, unconf, owner, django_assert_num_queries, count
):
    _publish(unconf, [SessionFactory(unconference=unconf) for _ in range(count)])
    client.force_login(owner)

    with django_assert_num_queries(12):
        response = client.get(_url(unconf.event, "schedule/"))

    assert len(response.context["attendance"]) == count


def test_deleting_a_slot_drops_pins_to_it(client, unconf, owner):
    slot = unconf.slots.filter(is_break=False).first()
    session = SessionFactory(
        unconference=unconf, pinned_slot=slot, pinned_room=unconf.rooms.first()
    )
    client.force_login(owner)

    client.post(_url(unconf.event, f"slots/{slot.pk}/delete/"))

    session.refresh_from_db()
    assert (session.pinned_slot, session.pinned_room) == (None, None)
    assert not Slot.objects.filter(pk=slot.pk).exists()


def test_agenda_ics_writes_a_slot_in_the_repeated_hour_in_utc(client, group):
    # 2027-10-31 in Berlin: 00:30Z is 02:30 CEST, and 02:30 comes again at 01:30Z.
    start = datetime(2027, 10, 31, 0, 30, tzinfo=UTC)
    event = EventFactory(group=group, start=start, end=start + timedelta(hours=4))
    unconf = UnconferenceFactory(event=event)
    RoomFactory(unconference=unconf, name="Big hall")
    SlotFactory(unconference=unconf, n=0)
    person = UserFactory()
    MembershipFactory(user=person, group=group)
    RsvpFactory(event=event, user=person)
    talk = SessionFactory(unconference=unconf, title="Pinned talk")
    InterestFactory(session=talk, user=person, level="yes")
    _publish(unconf, [talk])
    client.force_login(person)

    body = client.get(_url(event, "agenda.ics")).content

    assert b"DTSTART:20271031T003000Z\r\nDTEND:20271031T011500Z\r\n" in body
    (vevent,) = Calendar.from_ical(body).walk("VEVENT")
    assert vevent.decoded("dtstart") == start
