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
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from events.cards import EventCard

register = template.Library()

TIMEOUT = 3600


def _key(event: EventCard, group_name: str, level: int, language: str | None) -> str:
    """Everything `events/_card.html` shows; change both together. The card's
    words and date format are the active language's, so that is in it too."""
    shown = (
        event.pk, event.title, event.status, event.start, event.timezone,
        event.capacity, event.attending_count, event.waitlist_count,
        event.is_past, group_name, level, event.cover_name, event.cover_alt,
        event.cover_width, event.cover_height, language,
    )  # fmt: skip
    return "event_card:" + hashlib.md5(repr(shown).encode()).hexdigest()


@register.simple_tag(takes_context=True)
def event_cards(
    context: template.Context,
    events: Iterable[EventCard],
    group_names: bool = False,
    level: int | None = None,
) -> SafeString:
    """The list of the events' cards (`<ul class="cards">`), in order.

    `events` are `events.cards.EventCard`s. `group_names`: show each event's
    group (pages listing several groups' events; the cards were read with
    their group's name). `level`: the
    heading level of the titles, 3 unless given. An event marked with
    `card_reply` (views._offer_reply_on_cards) gets its reply button after its
    card, rendered in the page's context (it holds the CSRF token), never cached.
    """
    level = level or 3
    language = translation.get_language()
    keyed = []
    for event in events:
        group_name = event.group_name if group_names else ""
        keyed.append((_key(event, group_name, level, language), event, group_name))
    found = cache.get_many([key for key, _, _ in keyed])
    missing = {}
    card = get_template("events/_card.html")
    for key, event, group_name in keyed:
        if key not in found:
            ctx = {"event": event.event(), "group_name": group_name, "level": level}
            found[key] = missing[key] = card.render(ctx)
    if missing:
        cache.set_many(missing, TIMEOUT)
    html = ['<ul class="cards">']
    for key, event, _ in keyed:
        html += ['<li class="card">', found[key]]
        if event.card_reply:
            html.append(_reply(context, event))
        html.append("</li>")
    html.append("</ul>")
    # The cards are rendered from our own template just above, or earlier
    # under this key; the replies from ours in the page's context.
    return mark_safe("".join(html))  # noqa: S308


def _reply(context: template.Context, card: EventCard) -> str:
    # As `{% include %}` does: the page's engine, in the page's context.
    assert context.template is not None  # set while a template renders
    reply = context.template.engine.get_template("events/_card_reply.html")
    with context.push(event=card.event()):
        return reply.render(context)
