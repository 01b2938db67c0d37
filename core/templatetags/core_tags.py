from django import template
from django.utils.html import format_html
from django.utils.text import get_text_list
from django.utils.translation import gettext

from core.markdown import render_markdown
from core.text import initials

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str):
    return render_markdown(text)


@register.filter
def names_and(people) -> str:
    """People's names as the active language lists them: "Ada and Bo",
    "Ada, Bo and Cy" (for a sentence that says who meets whom)."""
    return get_text_list([person.name for person in people], gettext("and"))


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "")


@register.filter
def iso_datetime(value):
    """A datetime for a `datetime` attribute: ISO 8601 to the second.

    HTML allows at most three digits of a second's fraction, so the `c` date
    format (which prints microseconds) makes invalid HTML.
    """
    return value.isoformat(timespec="seconds") if value else ""


AVATAR_COLOURS = 8


@register.simple_tag
def avatar(name: str, seed: int) -> str:
    """An initials avatar, decorative: the name is always written next to it.

    Generated here, so no third-party service learns who is on the page. The
    colour comes from `seed` (a person's id), so it stays put when names change.
    """
    return format_html(
        '<span class="avatar avatar-{}" aria-hidden="true">{}</span>',
        int(seed) % AVATAR_COLOURS,
        initials(name),
    )
