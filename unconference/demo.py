"""Demo unconference: one event with rooms, slots, proposals, interest and a
published timetable (its agenda emails land in var/mail/ like all demo mail)."""

import zoneinfo
from datetime import datetime, time, timedelta

from django.utils import timezone

from events.services import event_create, rsvp_set

from . import services
from .models import Room, Slot

SESSIONS = [
    # (proposer index, title, description)
    (
        1,
        "Async Rust without tears",
        "Pinning, cancellation and *when not to* go async.",
    ),
    (2, "Embedded Rust on the RP2040", "Bring a board if you have one."),
    (3, "Error handling: thiserror vs anyhow", "A friendly argument."),
    (4, "Rust in the Linux kernel", "Where it stands and how to help."),
    (5, "WebAssembly components", "WIT, wasmtime and the component model."),
    (6, "Property-based testing with proptest", "Shrinking explained with pictures."),
    (
        1,
        "Unsafe code review clinic",
        "Bring your `unsafe` blocks; we read them together.",
    ),
    (7, "Learning Rust as a second language", "What helped, what did not."),
]
# interest[person index] = {session index: level}
INTEREST = {
    2: {0: "very", 3: "yes", 5: "a_little"},
    3: {0: "yes", 1: "a_little", 4: "very"},
    4: {1: "very", 5: "yes", 7: "yes"},
    5: {0: "very", 2: "yes", 6: "yes"},
    6: {3: "very", 4: "yes", 7: "a_little"},
    7: {0: "yes", 2: "very", 5: "very"},
    8: {1: "yes", 4: "yes", 6: "very", 7: "none"},
    9: {0: "very", 3: "a_little", 5: "yes"},
}


def seed(data: dict) -> None:
    people, rust = data["people"], data["groups"]["rust"]
    owner = people[0]
    zone = zoneinfo.ZoneInfo("Europe/Berlin")
    day = (timezone.now() + timedelta(days=14)).astimezone(zone).date()

    def at(hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=zone)

    event = event_create(
        group=rust,
        by=owner,
        title="Rust Unconf Berlin",
        description="A day of sessions proposed and chosen by the people who come.",
        start=at(9),
        end=at(17),
        timezone="Europe/Berlin",
        venue="Betahaus, Rudi-Dutschke-Straße 23, Berlin",
        online_url="",
        capacity=None,
    )
    for person in people[:10]:
        rsvp_set(event=event, user=person, choice="attending")
    unconference = services.unconference_enable(event=event)
    for name, capacity in [("Main hall", 40), ("Workshop room", 12), ("Library", 6)]:
        Room.objects.create(unconference=unconference, name=name, capacity=capacity)
    for start, end, is_break in [
        ((10, 0), (10, 45), False),
        ((11, 0), (11, 45), False),
        ((12, 0), (13, 0), True),
        ((13, 0), (13, 45), False),
        ((14, 0), (14, 45), False),
    ]:
        Slot.objects.create(
            unconference=unconference,
            start=at(*start),
            end=at(*end),
            is_break=is_break,
            label="Lunch" if is_break else "",
        )
    sessions = [
        services.session_propose(
            unconference=unconference,
            by=people[who],
            title=title,
            description=description,
            unavailable_slots=[],
        )
        for who, title, description in SESSIONS
    ]
    for who, levels in INTEREST.items():
        services.interest_set(
            unconference=unconference,
            user=people[who],
            levels={sessions[i].pk: level for i, level in levels.items()},
        )
    run = services.schedule_request(
        unconference=unconference, by=owner, seconds=1.0, seed=1, enqueue=False
    )
    services.schedule_execute(run_id=run.pk)
    run.refresh_from_db()
    services.schedule_publish(run=run, by=owner)
    data.setdefault("notes", []).append(
        f"Unconference demo: {event.get_absolute_url()}unconference/ "
        "(owner: ada@example.org; attendees: bruno@, chiara@, … example.org)."
    )
