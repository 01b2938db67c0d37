"""The event cards of a list, fetched from the cache in one lookup.

A card shows only values that are part of its cache key (`_key`), so a cached
card is never stale: a reply, a rename or the event ending makes another key.
The page asks the cache for all its cards at once and renders only those
missing, where a `{% cache %}` tag per card cost a template include, a key
and a lookup for each of a group page's 40 cards.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django import template
from django.core.cache import cache
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from events.models import Event

register = template.Library()

TIMEOUT = 3600


def _key(event: Event, group_name: str, level: int) -> str:
    """Everything `events/_card.html` shows; change both together."""
    shown = (
        event.pk, event.title, event.status, event.start, event.timezone,
        event.capacity, event.attending_count, event.waitlist_count,
        event.is_past, group_name, level, event.cover.name, event.cover_alt,
        event.cover_width, event.cover_height,
    )  # fmt: skip
    return "event_card:" + hashlib.md5(repr(shown).encode()).hexdigest()


@register.simple_tag
def event_cards(
    events: Iterable[Event], group_names: bool = False, level: int | None = None
) -> list[tuple[Event, SafeString]]:
    """(event, the HTML of its card) for each event, in order.

    `group_names`: show each event's group (pages listing several groups'
    events; the events come with `select_related("group")`). `level`: the
    heading level of the titles, 3 unless given.
    """
    level = level or 3
    keyed = []
    for event in events:
        group_name = event.group.name if group_names else ""
        keyed.append((_key(event, group_name, level), event, group_name))
    found = cache.get_many([key for key, _, _ in keyed])
    missing = {}
    card = get_template("events/_card.html")
    for key, event, group_name in keyed:
        if key not in found:
            ctx = {"event": event, "group_name": group_name, "level": level}
            found[key] = missing[key] = card.render(ctx)
    if missing:
        cache.set_many(missing, TIMEOUT)
    # Rendered from our own template just above, or earlier under this key.
    return [(event, mark_safe(found[key])) for key, event, _ in keyed]
