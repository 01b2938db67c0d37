"""The rows of a group's member list, built in Python.

The list shows 50 people a page; as a template loop, each row resolved five
variables through the template engine, translated the role's label and
formatted the joining date, which made the rows most of the page's CPU. Here
each row is one string, with the labels looked up once per page and each
date formatted once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django import template
from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from groups.models import Membership

register = template.Library()


@register.simple_tag
def member_rows(
    rows: Iterable[tuple[str, str, str, datetime]], show_email: bool = False
) -> SafeString:
    """`<tr>`s for (name, email, role, joined_at) rows: the name, the email
    when `show_email`, the role's label and the joining date, in the active
    language and time zone (as `{{ joined_at|date:"SHORT_DATE_FORMAT" }}`)."""
    roles = {value: escape(label) for value, label in Membership.Role.choices}
    dates: dict[object, str] = {}
    html = []
    for name, email, role, joined in rows:
        day = timezone.localtime(joined).date()
        if day not in dates:
            dates[day] = escape(formats.date_format(day, "SHORT_DATE_FORMAT"))
        # As the iso_datetime filter writes it: the stored (UTC) time.
        iso = joined.isoformat(timespec="seconds")
        email_cell = f"<td>{escape(email)}</td>" if show_email else ""
        html.append(
            f"<tr><td>{escape(name)}</td>{email_cell}"
            f"<td>{roles.get(role, escape(role))}</td>"
            f'<td><time datetime="{iso}">{dates[day]}</time></td></tr>'
        )
    # Every value above is escaped; the markup is ours.
    return mark_safe("".join(html))  # noqa: S308
