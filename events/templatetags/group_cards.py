"""The cards of the groups list, fetched from the cache in one lookup, and
the home page's list of groups, cached whole.

As with the event cards (`event_cards`), a card shows only values that are
part of its key (`_key`), so a cached card is never stale: a member joining,
a rename or the next event moving makes another key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django import template
from django.core.cache import cache
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from groups.models import Group

register = template.Library()

TIMEOUT = 3600


def _key(group: Group) -> str:
    """Everything `events/_group_card.html` shows; change both together. The
    next event's date is in the active time zone, its words in the active
    language, so both are in it too."""
    shown = (
        group.pk, group.slug, group.name, group.location, group.member_count,
        getattr(group, "next_event", None), group.logo.name, group.logo_alt,
        group.logo_width, group.logo_height, translation.get_language(),
        timezone.get_current_timezone_name(),
    )  # fmt: skip
    return "group_card:" + hashlib.md5(repr(shown).encode()).hexdigest()


@register.simple_tag
def group_cards(groups: Iterable[Group]) -> list[SafeString]:
    """The HTML of each group's card, in order (the groups come with
    `with_member_count()` and a `next_event` annotation)."""
    keyed = [(_key(group), group) for group in groups]
    found = cache.get_many([key for key, _ in keyed])
    missing = {}
    card = get_template("events/_group_card.html")
    for key, group in keyed:
        if key not in found:
            found[key] = missing[key] = card.render({"group": group})
    if missing:
        cache.set_many(missing, TIMEOUT)
    # Rendered from our own template just above, or earlier under this key.
    return [mark_safe(found[key]) for key, _ in keyed]


@register.simple_tag
def group_links(groups: Iterable[Group]) -> SafeString:
    """The home page's list of groups (`events/_group_links.html`): a link
    and the member count of each, cached under a key of exactly those and
    the language, so a join or a rename is another key."""
    groups = list(groups)
    shown = [(g.pk, g.slug, g.name, g.member_count) for g in groups]
    key = repr((shown, translation.get_language()))
    key = "group_links:" + hashlib.md5(key.encode()).hexdigest()
    html = cache.get(key)
    if html is None:
        html = get_template("events/_group_links.html").render({"groups": groups})
        cache.set(key, html, TIMEOUT)
    # Rendered from our own template just above, or earlier under this key.
    return mark_safe(html)
