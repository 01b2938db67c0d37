"""A demo poll: Ada asks two members and a guest address when to meet."""

from datetime import timedelta

from django.utils import timezone

from .audit import Actor
from .models import Choice
from .services import PartySpec, answers_set, poll_create


def seed(data: dict) -> None:
    people = data["people"]
    ada, bruno, emi = people[0], people[1], people[4]
    day = (timezone.now() + timedelta(days=12)).replace(
        hour=8, minute=0, second=0, microsecond=0
    )
    poll = poll_create(
        organiser=ada,
        actor=Actor(user=ada),
        title="Organisers' call",
        description="Planning the next three meetups.",
        location="Video call",
        duration_minutes=45,
        tz="Europe/London",
        times=[day, day + timedelta(hours=2), day + timedelta(days=1)],
        deadline=day - timedelta(days=3),
        parties=[
            PartySpec(bruno.email, bruno.name, bruno.timezone),
            PartySpec(emi.email, emi.name, emi.timezone),
            PartySpec("guest@example.net", "Guest Speaker", "America/Chicago"),
        ],
    )
    times = list(poll.times.order_by("start"))
    party = poll.parties.get(email=bruno.email)
    answers_set(
        poll=poll,
        party=party,
        actor=Actor(user=bruno),
        choices={
            times[0].pk: Choice.YES,
            times[1].pk: Choice.MAYBE,
            times[2].pk: Choice.NO,
        },
    )
    data.setdefault("notes", []).append(
        "Ada's poll “Organisers' call” is under My polls; Bruno has answered."
    )
