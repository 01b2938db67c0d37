"""The counts events keep (core.counters); migration 0007 installs them."""

from core.counters import CountSpec

REPLIES = CountSpec(
    name="events_reply_counts",
    counts_table="events_eventcounts",
    counts_key="event_id",
    parent_table="events_event",
    source_table="events_rsvp",
    source_key="event_id",
    columns={
        "attending": ("status", "attending"),
        "waitlisted": ("status", "waitlisted"),
        "not_attending": ("status", "not_attending"),
    },
)

COUNTS = [REPLIES]
