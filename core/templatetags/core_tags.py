import hashlib
from collections.abc import Iterable

from django import forms, template
from django.core.cache import cache
from django.utils import translation
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
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


@register.simple_tag
def people_items(people: Iterable[tuple[int, str]]) -> SafeString:
    """`<li>`s of (id, name) pairs, each with its avatar: `{% avatar %}` and
    the name, built in one go instead of a template loop per person."""
    return mark_safe(  # noqa: S308 - avatar() and escape() escape every value
        "".join(f"<li>{avatar(name, pk)} {escape(name)}</li>" for pk, name in people)
    )


@register.filter
def blank_form(form: forms.BaseForm) -> SafeString:
    """An unbound form's fields as `{{ form }}` renders them, rendered once.

    The event page renders its comment form on every view, through Django's
    form templates (a third of the page's template time). An unbound form
    with no choice fields shows only its class's fields, labels and help
    (in the active language) and its initial values, prefix and ids, so its
    HTML is cached under a key of exactly those. Any other form is rendered
    as usual. Only for forms whose `__init__` leaves their fields as the
    class declares them (the comment forms). A form holds no CSRF token (the
    `<form>` around it does).
    """
    choices = any(isinstance(f, forms.ChoiceField) for f in form.fields.values())
    if form.is_bound or choices:
        return mark_safe(str(form))  # noqa: S308 - Django's own form rendering
    shown = (
        type(form).__module__, type(form).__qualname__, form.prefix, form.auto_id,
        sorted(form.initial.items()), list(form.fields), translation.get_language(),
    )  # fmt: skip
    key = "blank_form:" + hashlib.md5(repr(shown).encode()).hexdigest()
    html = cache.get(key)
    if html is None:
        html = str(form)
        cache.set(key, html, 3600)
    return mark_safe(html)  # noqa: S308 - Django's own form rendering, cached
