"""The fields of a list's search form, rendered once per content.

Django renders each field and each option of a select from a template: on
/events/ (a menu of every group) that was the largest part of the page's
CPU. What the fields show depends only on the form's class, the submitted
values, the choices offered and the language (labels, errors), so the HTML is
cached under a key made of exactly those: a renamed or new group is another
key, never a stale menu. A GET form: no CSRF token in it.
"""

from __future__ import annotations

import hashlib
from typing import cast

from django import forms, template
from django.core.cache import cache
from django.http import QueryDict
from django.template.loader import get_template
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

TIMEOUT = 3600


def _key(form: forms.Form) -> str:
    values = form.data
    data = [
        (
            name,
            values.getlist(name) if isinstance(values, QueryDict) else values.get(name),
        )
        for name in form.fields
    ]
    # Plain (value, label) pairs once normalised by the field (no callables).
    choices = [
        (name, [(str(k), str(v)) for k, v in cast(list, field.choices)])
        for name, field in form.fields.items()
        if isinstance(field, forms.ChoiceField)
    ]
    shown = (
        type(form).__module__, type(form).__qualname__, form.is_bound, data,
        choices, translation.get_language(),
    )  # fmt: skip
    return "search_fields:" + hashlib.md5(repr(shown).encode()).hexdigest()


@register.simple_tag
def search_fields(form: forms.Form) -> SafeString:
    """The form's labelled fields with their errors (`events/_search_fields.html`)."""
    key = _key(form)
    html = cache.get(key)
    if html is None:
        html = get_template("events/_search_fields.html").render({"form": form})
        cache.set(key, html, TIMEOUT)
    # Rendered from our own template just above, or earlier under this key.
    return mark_safe(html)
