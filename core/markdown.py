"""Markdown for descriptions and mailings: CommonMark, then an allow-list sanitiser.

Raw HTML in the source is escaped by the renderer, and nh3 removes anything that
is still not on the list (event handlers, `javascript:` links, iframes), so what
an owner types can never run script in a member's browser.
"""

from functools import lru_cache

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "a", "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em",
    "del", "code", "pre", "blockquote", "ul", "ol", "li", "img", "table", "thead",
    "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}


@lru_cache(maxsize=1)
def _renderer() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


@lru_cache(maxsize=256)
def render_markdown(text: str) -> SafeString:
    """Sanitised HTML for `text`; cached per process, as it depends on nothing else."""
    html = _renderer().render(text or "")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
    return mark_safe(clean)  # noqa: S308 - sanitised by nh3 just above


def markdown_to_text(text: str) -> str:
    """Markdown is already readable as plain text; just normalise line ends."""
    return "\n".join(line.rstrip() for line in (text or "").splitlines()).strip()
