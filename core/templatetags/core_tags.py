from django import template

from core.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str):
    return render_markdown(text)


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
