"""Validators for text people type: what may reach calendars, mail and terminals.

Control characters (Unicode category Cc: the C0 set, DEL and the C1 set) have no
business in text meant to be read. In a title they end up raw in .ics files and
email headers, and an escape sequence in a group name recolours or rewrites the
terminal of whoever runs `manage.py list_groups`. Single-line fields refuse all
of them (tab and line breaks too, and the Unicode line and paragraph
separators); multi-line fields keep tab, CR and LF. NUL is refused by Django's
CharField already, with its own message.
"""

from __future__ import annotations

import unicodedata
from argparse import ArgumentTypeError

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

LINE_BREAKS = "\u2028\u2029"


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) == "Cc"


def validate_single_line(value: str) -> None:
    """Refuse control characters, tabs and line breaks in one-line text."""
    if any(_is_control(ch) or ch in LINE_BREAKS for ch in value):
        raise ValidationError(
            _(
                "Control characters (such as tabs, line breaks or escape codes) "
                "are not allowed here."
            ),
            code="control_characters",
        )


def as_one_line(value: str) -> str:
    """`value` with each control character and line break read as a space.

    For text that is only read, never kept, such as a search: refusing it would
    echo the character back into the page, where HTML may not hold it.
    """
    return "".join(" " if _is_control(ch) or ch in LINE_BREAKS else ch for ch in value)


def validate_multiline_text(value: str) -> None:
    """Refuse control characters other than tab, CR and LF in longer text."""
    if any(_is_control(ch) and ch not in "\t\r\n" for ch in value):
        raise ValidationError(
            _("Control characters (such as escape codes) are not allowed here."),
            code="control_characters",
        )


def line_argument(value: str) -> str:
    """An argparse type: a command-line argument on one line, without NUL.

    A NUL byte in a slug or address reached a lookup, and PostgreSQL refuses
    text holding NUL with a DataError (a traceback); argparse turns this error
    into the usual one-line "error: argument ...".
    """
    try:
        validate_single_line(value)
    except ValidationError as error:
        raise ArgumentTypeError(error.message) from None
    return value


def add_validators(form, validator, *names: str) -> None:
    """Append `validator` to the named fields of a form instance.

    A ModelForm's fields come from the model, whose own validators would need
    a migration; the fields are copied per form instance, so this stays local.
    """
    for name in names:
        form.fields[name].validators.append(validator)
