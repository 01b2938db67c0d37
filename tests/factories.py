from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Sequence(lambda n: f"Person {n}")
    email_verified_at = factory.LazyFunction(timezone.now)


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "groups.Group"

    name = factory.Sequence(lambda n: f"Group {n}")
    slug = factory.Sequence(lambda n: f"group-{n}")
    timezone = "Europe/Berlin"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "groups.Membership"

    user = factory.SubFactory(UserFactory)
    group = factory.SubFactory(GroupFactory)
    role = "member"


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "events.Event"

    group = factory.SubFactory(GroupFactory)
    title = factory.Sequence(lambda n: f"Event {n}")
    start = factory.LazyFunction(
        lambda: (timezone.now() + timedelta(days=7)).replace(second=0, microsecond=0)
    )
    end = factory.LazyAttribute(lambda o: o.start + timedelta(hours=2))
    timezone = "Europe/Berlin"
    venue = "Town hall"
    uid = factory.Sequence(lambda n: f"event-{n}@meetings")


class SeriesFactory(factory.django.DjangoModelFactory):
    """A weekly rule only; `series_events` makes its events too."""

    class Meta:
        model = "events.Series"

    group = factory.SubFactory(GroupFactory)
    frequency = "weekly"
    count = 3
    timezone = "Europe/Berlin"
    anchor = factory.LazyFunction(
        lambda: (timezone.now() + timedelta(days=7)).replace(second=0, microsecond=0)
    )


def series_events(**kwargs) -> list:
    """A weekly series and its `count` events, a week apart (in UTC: no DST)."""
    series = SeriesFactory(**kwargs)
    return [
        EventFactory(
            group=series.group,
            series=series,
            title="Weekly hack night",
            start=series.anchor + timedelta(weeks=week),
        )
        for week in range(series.count)
    ]


class RsvpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "events.Rsvp"

    event = factory.SubFactory(EventFactory)
    user = factory.SubFactory(UserFactory)
    status = "attending"


class UnconferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "unconference.Unconference"

    event = factory.SubFactory(EventFactory)


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "unconference.Room"

    unconference = factory.SubFactory(UnconferenceFactory)
    name = factory.Sequence(lambda n: f"Room {n}")
    capacity = 20


class SlotFactory(factory.django.DjangoModelFactory):
    """Slots of 45 minutes from the event's start; pass `n` for the n-th one."""

    class Meta:
        model = "unconference.Slot"
        exclude = ["n"]

    unconference = factory.SubFactory(UnconferenceFactory)
    n = 0
    start = factory.LazyAttribute(
        lambda o: o.unconference.event.start + timedelta(minutes=45 * o.n)
    )
    end = factory.LazyAttribute(lambda o: o.start + timedelta(minutes=45))


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "unconference.Session"

    unconference = factory.SubFactory(UnconferenceFactory)
    title = factory.Sequence(lambda n: f"Session {n}")
    title_key = factory.LazyAttribute(lambda o: "".join(o.title.casefold().split()))
    proposer = factory.SubFactory(UserFactory)


class InterestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "unconference.Interest"

    session = factory.SubFactory(SessionFactory)
    user = factory.SubFactory(UserFactory)
    level = "yes"


class ScheduleRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "unconference.ScheduleRun"

    unconference = factory.SubFactory(UnconferenceFactory)
    status = "done"
    seed = 1
    seconds = 1.0


class PollFactory(factory.django.DjangoModelFactory):
    """A bare poll; tests that need parties use timepolls.services.poll_create."""

    class Meta:
        model = "timepolls.Poll"

    organiser = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Poll {n}")
    duration_minutes = 60
    timezone = "Europe/Berlin"
    uid = factory.Sequence(lambda n: f"poll-{n}@meetings")


class PollTimeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "timepolls.PollTime"

    poll = factory.SubFactory(PollFactory)
    start = factory.Sequence(
        lambda n: (timezone.now() + timedelta(days=7, hours=n)).replace(
            minute=0, second=0, microsecond=0
        )
    )


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "timepolls.Party"

    poll = factory.SubFactory(PollFactory)
    email = factory.Sequence(lambda n: f"party{n}@example.net")
    name = factory.Sequence(lambda n: f"Party {n}")
    timezone = "Europe/Berlin"


def free_blocks(*spans) -> str:
    """A roulette availability string: spans of (day, "HH:MM", "HH:MM"), local time."""
    bits = ["0"] * (7 * 48)
    for day, start, end in spans:
        first = int(start[:2]) * 2 + int(start[3:]) // 30
        last = int(end[:2]) * 2 + int(end[3:]) // 30 if end != "24:00" else 48
        for half in range(first, last):
            bits[day * 48 + half] = "1"
    return "".join(bits)


class RouletteSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "roulette.RouletteSettings"

    group = factory.SubFactory(GroupFactory)
    enabled = True


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "roulette.Participant"

    membership = factory.SubFactory(MembershipFactory)
    opted_in = True
    timezone = "Europe/Berlin"
    availability = "0" * (7 * 48)


class RoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "roulette.Round"

    group = factory.SubFactory(GroupFactory)
    iso_week = "2026-W40"
    seed = 1


class PairingFactory(factory.django.DjangoModelFactory):
    """A pairing of `people` (a list of users); start defaults to a week ahead."""

    class Meta:
        model = "roulette.Pairing"
        skip_postgeneration_save = True

    round = factory.SubFactory(RoundFactory)
    start = factory.LazyFunction(
        lambda: (timezone.now() + timedelta(days=7)).replace(
            minute=0, second=0, microsecond=0
        )
    )
    end = factory.LazyAttribute(lambda o: o.start + timedelta(minutes=30))
    video_link = "https://meet.jit.si/test-room"
    uid = factory.Sequence(lambda n: f"roulette-test-{n}@meetings")

    @factory.post_generation
    def people(self, create, extracted, **kwargs):
        from roulette.models import PairingMember

        for person in extracted or []:
            PairingMember.objects.create(pairing=self, user=person)


class CommentFactory(factory.django.DjangoModelFactory):
    """A comment on an event; pass `parent` for a reply (same event)."""

    class Meta:
        model = "comments.Comment"

    event = factory.SubFactory(EventFactory)
    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Comment number {n}")
