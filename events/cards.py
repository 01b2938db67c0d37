"""What an event card shows, read as plain values.

The home page, the group page and the events list show events only as cards
(`events.templatetags.event_cards`), and the cards come from the cache. As
model instances, each card's event cost its query's select-related
compilation and three instances (the event, its counts, its group); as
values, a tuple per row. A real `Event` is built only to render a card the
cache does not have, or a reply button.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from .models import Event, EventCounts, Rsvp

# The columns of a card (`_card.html`), of its key and of a reply button on it.
FIELDS = (
    "id", "title", "status", "start", "end", "timezone", "capacity", "cover",
    "cover_width", "cover_height", "cover_alt", "series_id", "group_id",
    "counts__attending", "counts__waitlisted",
)  # fmt: skip


class EventCard:
    """One event's card values; the attributes `Event` has for the same."""

    card_reply: bool = False
    my_reply: Rsvp.Status | None = None

    def __init__(self, row: tuple, group_name: str = "") -> None:
        (
            self.pk, self.title, self.status, self.start, self.end, self.timezone,
            self.capacity, self.cover_name, self.cover_width, self.cover_height,
            self.cover_alt, self.series_id, self.group_id, self.attending_count,
            self.waitlist_count,
        ) = row  # fmt: skip
        self.group_name = group_name

    def __repr__(self) -> str:
        return f"<EventCard {self.pk}: {self.title}>"

    @property
    def is_past(self) -> bool:
        return self.end < timezone.now()

    @property
    def accepts_replies(self) -> bool:
        return self.status != Event.Status.CANCELLED and self.start > timezone.now()

    def event(self) -> Event:
        """An `Event` with these values (and its counts), to render."""
        event = Event(
            id=self.pk, title=self.title, status=self.status, start=self.start,
            end=self.end, timezone=self.timezone, capacity=self.capacity,
            cover=self.cover_name, cover_width=self.cover_width,
            cover_height=self.cover_height, cover_alt=self.cover_alt,
            series_id=self.series_id, group_id=self.group_id,
        )  # fmt: skip
        event.counts = EventCounts(
            event=event, attending=self.attending_count, waitlisted=self.waitlist_count
        )
        event.card_reply, event.my_reply = self.card_reply, self.my_reply
        return event


def event_cards(
    events: QuerySet[Event], *, group_names: bool = False
) -> list[EventCard]:
    """The cards of `events` (filtered, ordered and sliced as the page needs)."""
    if group_names:
        rows = events.values_list(*FIELDS, "group__name")
        return [EventCard(row[:-1], row[-1]) for row in rows]
    return [EventCard(row) for row in events.values_list(*FIELDS)]
