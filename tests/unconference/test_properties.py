"""Property-based tests of the web side on random small unconferences.

Each example builds rows in the database, runs the scheduler through the same
service the task uses, and checks the stored timetable with the scheduler's
validator of hard rules; personal agendas and their coverage are checked
against a brute-force reading of the same data.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import (
    EventFactory,
    InterestFactory,
    MembershipFactory,
    RoomFactory,
    RsvpFactory,
    SessionFactory,
    SlotFactory,
    UnconferenceFactory,
    UserFactory,
)
from unconference import adapter, services
from unconference.agenda import Programme
from unconference.models import Interest, ScheduleRun

PROPERTY = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
LEVELS = [level.value for level in Interest.Level]


def _build(data):
    """A random unconference: 1-3 rooms, 1-4 slots (maybe a break), up to
    6 sessions by 3 people, random interest, availability and pins."""
    from datetime import timedelta

    event = EventFactory()
    event.end = event.start + timedelta(hours=6)
    event.save()
    unconference = UnconferenceFactory(event=event)
    people = []
    for _ in range(3):
        person = UserFactory()
        MembershipFactory(user=person, group=event.group)
        RsvpFactory(event=event, user=person)
        people.append(person)
    rooms = [
        RoomFactory(unconference=unconference, capacity=data.draw(st.integers(1, 4)))
        for _ in range(data.draw(st.integers(1, 3)))
    ]
    slots = [
        SlotFactory(unconference=unconference, n=n, is_break=data.draw(st.booleans()))
        for n in range(data.draw(st.integers(1, 4)))
    ]
    open_slots = [t for t in slots if not t.is_break]
    sessions = []
    for _ in range(data.draw(st.integers(1, 6))):
        proposer = data.draw(st.sampled_from(people))
        session = SessionFactory(unconference=unconference, proposer=proposer)
        if open_slots:
            session.unavailable_slots.set(
                data.draw(st.lists(st.sampled_from(open_slots), unique=True))
            )
        if open_slots and data.draw(st.integers(0, 4)) == 0:
            session.pinned_slot = data.draw(st.sampled_from(open_slots))
            session.pinned_room = data.draw(st.sampled_from([None, *rooms]))
            session.save()
        sessions.append(session)
        for person in people:
            if person != proposer and data.draw(st.booleans()):
                InterestFactory(
                    session=session,
                    user=person,
                    level=data.draw(st.sampled_from(LEVELS)),
                )
    return unconference, people


def _brute_coverage(unconference, user, cells, slots):
    """Best weight per slot over the top len(slots) weights, plainly."""
    weights = unconference.weights
    mine = {
        i.session_id: weights[i.level]
        for i in Interest.objects.filter(user=user, session__unconference=unconference)
    }
    for s in unconference.sessions.filter(proposer=user):
        mine[s.pk] = max(mine.get(s.pk, 0), weights["very"])
    ratings = sorted((w for w in mine.values() if w > 0), reverse=True)
    if not ratings:
        return None
    got = sum(
        max((mine.get(s, 0) for s, (t, _r) in cells.items() if t == slot), default=0)
        for slot in slots
    )
    bound = sum(ratings[: len(slots)])
    return got / bound if bound else 1.0  # no slots: nothing could be missed


@pytest.mark.django_db
@PROPERTY
@given(data=st.data())
def test_every_run_keeps_the_hard_rules_or_fails_with_a_reason(data):
    unconference, _people = _build(data)
    if services.schedule_blocker(unconference):
        return  # no slot that is not a break: nothing to run

    run = services.schedule_request(
        unconference=unconference, by=None, seconds=0.2, seed=1, enqueue=False
    )
    services.schedule_execute(run_id=run.pk)

    run.refresh_from_db()
    if run.status == ScheduleRun.Status.FAILED:
        with pytest.raises(services.UnconferenceError, match=run.error[:20]):
            adapter.build_instance(unconference)
    else:
        assert adapter.run_violations(run) == []
        assert run.utility <= run.upper_bound
        placed = set(run.cells) | set(run.unplaced)
        assert placed == set(unconference.sessions.values_list("pk", flat=True))


@pytest.mark.django_db
@PROPERTY
@given(data=st.data())
def test_agenda_coverage_matches_a_brute_force_count(data):
    unconference, people = _build(data)
    slots = list(unconference.slots.filter(is_break=False).order_by("start"))
    rooms = list(unconference.rooms.all())
    cells = {}
    for session in unconference.sessions.all():
        if slots and data.draw(st.booleans()):
            cell = (
                data.draw(st.sampled_from(slots)).pk,
                data.draw(st.sampled_from(rooms)).pk,
            )
            if cell not in cells.values():
                cells[session.pk] = cell
    programme = Programme.load(unconference)

    for person in people:
        got = programme.coverage(person.pk, cells)
        expected = _brute_coverage(unconference, person, cells, [t.pk for t in slots])
        assert got == pytest.approx(expected) if expected is not None else got is None
        agenda = programme.agenda(person.pk, cells)
        assert {i.slot.pk for i in agenda} <= {t for t, _r in cells.values()}
        for item in agenda:
            if item.own:
                assert item.session.proposer_id == person.pk
