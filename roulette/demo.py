"""Demo coffee roulette: Rust Berlin has it on, seven members take part, and
next week's pairs are made (their emails land in var/mail/)."""

from django.utils import timezone

from groups.models import Membership

from . import schedule
from .models import Participant, RouletteSettings, Round
from .services import round_run

WEEKDAYS = range(5)

# Local hours (start, end) each person is free on weekdays, in their own zone.
HABITS = {
    "ada@example.org": [(12, 14), (17, 20)],
    "bruno@example.org": [(8, 10), (17, 21)],
    "chiara@example.org": [(13, 15), (18, 20)],
    "dev@example.org": [(14, 22)],
    "emi@example.org": [(7, 9), (18, 23)],
    "femi@example.org": [(9, 12), (16, 19)],
    "grace@example.org": [(7, 10), (12, 14)],
}


def _blocks(hours) -> set[int]:
    return {
        day * 48 + half
        for day in WEEKDAYS
        for start, end in hours
        for half in range(start * 2, end * 2)
    }


def seed(data: dict) -> None:
    rust = data["groups"]["rust"]
    config = RouletteSettings.objects.create(group=rust, enabled=True)
    memberships = Membership.objects.filter(
        group=rust, user__email__in=HABITS
    ).select_related("user")
    for membership in memberships:
        participant = Participant(
            membership=membership, opted_in=True, timezone=membership.user.timezone
        )
        participant.set_blocks(_blocks(HABITS[membership.user.email]))
        participant.save()
    week, _ = schedule.upcoming(
        config,
        tz=rust.timezone,
        now=timezone.now(),
        paired=set(Round.objects.values_list("iso_week", flat=True)),
    )
    report = round_run(group=rust, iso_week=week, seed=7)
    data.setdefault("notes", []).append(
        f"Coffee roulette: Rust Berlin paired {report.pairs} pairs and "
        f"{report.trios} trios for {week}; see /groups/rust-berlin/roulette/."
    )
