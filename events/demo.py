"""Demo events: past and upcoming, replies in all three states, a waiting list,
cover images on two of them, and a weekly online series.

The study group's earlier chapters fill the past-events list (/events/?when=past)
and give the search something to find ("replication", "chapter", online only).
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from core.images import ProcessedImage, generated, process

from .forms import CoverForm
from .models import Rsvp
from .recurrence import Rule
from .services import event_create, rsvp_set, series_create


def _cover(text: str, colours: tuple[str, str]) -> ProcessedImage:
    return process(generated(text, size=(1600, 900), colours=colours), CoverForm.shape)


def seed(data: dict) -> None:
    people, groups = data["people"], data["groups"]
    rust, study = groups["rust"], groups["study"]
    owner = people[0]
    now = timezone.now().replace(minute=0, second=0, microsecond=0)

    def at(days: int, hour: int):
        return (now + timedelta(days=days)).replace(hour=hour)

    meetup = event_create(
        group=rust,
        by=owner,
        title="Rust Berlin Meetup: async in practice",
        description=(
            "Two talks on async Rust, then pizza.\n\n"
            "1. Tokio internals\n2. Cancellation safety"
        ),
        start=at(10, 18),
        end=at(10, 21),
        timezone="Europe/Berlin",
        venue="c-base, Rungestraße 20, Berlin",
        online_url="https://meet.jit.si/rust-berlin-demo",
        capacity=None,
        cover=_cover("async in practice", ("#f74c00", "#3b1200")),
        cover_alt="“async in practice” in white on an orange gradient",
    )
    workshop = event_create(
        group=rust,
        by=owner,
        title="Embedded Rust workshop (small room)",
        description="Hands-on with microcontrollers. Only four places.",
        start=at(17, 10),
        end=at(17, 16),
        timezone="Europe/Berlin",
        venue="Hardware lab, Berlin",
        online_url="",
        capacity=4,
    )
    chapter = event_create(
        group=study,
        by=people[1],
        title="DDIA chapter 5: replication",
        description="Bring questions about leaders, followers and lag.",
        start=at(5, 17),
        end=at(5, 18),
        timezone="UTC",
        venue="",
        online_url="https://meet.jit.si/ddia-demo",
        capacity=None,
        cover=_cover("Chapter 5: replication", ("#2b6cb0", "#0f2540")),
        cover_alt="“Chapter 5: replication” in white on a blue gradient",
    )
    past = event_create(
        group=rust,
        by=owner,
        title="Rust Berlin Meetup: error handling",
        description="A look back at thiserror and anyhow.",
        start=at(-20, 18),
        end=at(-20, 21),
        timezone="Europe/Berlin",
        venue="c-base, Berlin",
        online_url="",
        capacity=None,
    )
    earlier = [
        ("DDIA chapter 1: reliable, scalable, maintainable", "Faults and load."),
        ("DDIA chapter 2: data models", "Relational, document and graph models."),
        ("DDIA chapter 3: storage and retrieval", "Log-structured merge trees."),
        ("DDIA chapter 4: encoding and evolution", "Schemas, Avro and Protobuf."),
    ]
    for weeks_ago, (title, description) in zip(
        range(2 * len(earlier), 0, -2), earlier, strict=True
    ):
        event_create(
            group=study,
            by=people[1],
            title=title,
            description=description,
            start=at(5 - 7 * weeks_ago, 17),
            end=at(5 - 7 * weeks_ago, 18),
            timezone="UTC",
            venue="",
            online_url="https://meet.jit.si/ddia-demo",
            capacity=None,
        )
    for person in people[1:6]:
        rsvp_set(event=meetup, user=person, choice="attending")
    for person in people[6:8]:
        rsvp_set(event=meetup, user=person, choice="not_attending")
    for person in people[1:8]:  # four places, three on the waiting list
        rsvp_set(event=workshop, user=person, choice="attending")
    for person in people[2:5]:
        rsvp_set(event=chapter, user=person, choice="attending")
    # Replies to a past event are recorded directly: the event takes none now.
    Rsvp.objects.bulk_create(
        [Rsvp(event=past, user=p, status=Rsvp.Status.ATTENDING) for p in people[1:7]]
    )
    weekly = _weekly_series(study, people)
    data["events"] = {
        "meetup": meetup,
        "workshop": workshop,
        "chapter": chapter,
        "weekly": weekly[0],
    }


def _weekly_series(group, people) -> list:
    """Eight Tuesday evenings online, 19:00 in Berlin, from next week."""
    berlin = ZoneInfo("Europe/Berlin")
    today = timezone.now().astimezone(berlin).date()
    tuesday = today + timedelta(days=(1 - today.weekday()) % 7 + 7)
    first = datetime.combine(tuesday, time(19, 0), tzinfo=berlin)
    events = series_create(
        group=group,
        by=people[1],
        rule=Rule("weekly", count=8),
        title="Weekly reading hour",
        description="An hour of reading together, then ten minutes of questions.",
        start=first,
        end=first + timedelta(hours=1),
        timezone="Europe/Berlin",
        venue="",
        online_url="https://meet.jit.si/reading-hour-demo",
        capacity=None,
    )
    for person in people[2:4]:
        rsvp_set(event=events[0], user=person, choice="attending")
    return events
