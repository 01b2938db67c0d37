import pytest

from tests.factories import (
    MembershipFactory,
    RoomFactory,
    RsvpFactory,
    SlotFactory,
    UnconferenceFactory,
    UserFactory,
)


@pytest.fixture
def unconf(event):
    """The event as an unconference: two rooms, three session slots and a break.

    The event runs four hours so that slots fit."""
    from datetime import timedelta

    event.end = event.start + timedelta(hours=4)
    event.save()
    unconference = UnconferenceFactory(event=event)
    RoomFactory(unconference=unconference, name="Big hall", capacity=30)
    RoomFactory(unconference=unconference, name="Small room", capacity=5)
    for n in range(3):
        SlotFactory(unconference=unconference, n=n)
    SlotFactory(unconference=unconference, n=3, is_break=True, label="Lunch")
    return unconference


@pytest.fixture
def attendee(group, event):
    """A member attending the event."""
    person = UserFactory(email="ada@example.org", name="Ada Attendee")
    MembershipFactory(user=person, group=group)
    RsvpFactory(event=event, user=person)
    return person


@pytest.fixture
def make_attendee(event):
    """Makes more members attending the event: make_attendee("Bo")."""

    def make(name: str):
        email = f"{name.lower().replace(' ', '.')}@example.org"
        person = UserFactory(name=name, email=email)
        MembershipFactory(user=person, group=event.group)
        RsvpFactory(event=event, user=person)
        return person

    return make
