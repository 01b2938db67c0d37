"""Reading values out of an archive someone else's site wrote (groups.archive).

An archive is input like any form: every value is checked before a row is
made, and a refusal names where the bad value sits ("events.events[3].start")
in one line. The apps' `portability.import_group` read their sections with
these helpers and raise `ArchiveError`; the import then stores nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from .validators import validate_multiline_text, validate_single_line


class ArchiveError(ValueError):
    """The archive cannot be imported; the message says why, in one line."""


def shown(value: Any) -> str:
    """A value from the archive as a refusal quotes it: at most 60 characters."""
    text = str(value)
    return text if len(text) <= 60 else f"{text[:59]}…"


def at(where: str, key: str) -> str:
    """The place of `key` inside `where`, as a refusal names it."""
    return f"{where}.{key}" if where else key


def rows(data: Any, key: str, where: str) -> list[dict[str, Any]]:
    """`data[key]`, which must be a list of objects."""
    value = field(data, key, where)
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
        raise ArchiveError(f"{at(where, key)}: not a list of objects.")
    return value


def field(data: Any, key: str, where: str) -> Any:
    """`data[key]`; refused when `data` is no object or has no `key`."""
    if not isinstance(data, dict):
        raise ArchiveError(f"{where or 'group.json'}: not an object.")
    if key not in data:
        raise ArchiveError(f"{where or 'group.json'}: “{key}” is missing.")
    return data[key]


def person[P](data: Any, key: str, where: str, people: dict[str, P]) -> P:
    """The person `data[key]` names by their key in the archive's "people"."""
    value = field(data, key, where)
    if not isinstance(value, str) or value not in people:
        raise ArchiveError(
            f"{at(where, key)}: “{shown(value)}” is not one of the archive's people."
        )
    return people[value]


def person_or_none[P](
    data: Any, key: str, where: str, people: dict[str, P]
) -> P | None:
    """`person`, or None where the archive has null (someone left out)."""
    if field(data, key, where) is None:
        return None
    return person(data, key, where, people)


def text(data: Any, key: str, where: str, *, multiline: bool = False) -> str:
    """A string without control characters (tab and line breaks if `multiline`)."""
    value = field(data, key, where)
    if not isinstance(value, str):
        raise ArchiveError(f"{at(where, key)}: not a string.")
    try:
        (validate_multiline_text if multiline else validate_single_line)(value)
    except ValidationError as error:
        raise ArchiveError(f"{at(where, key)}: {error.message}") from None
    return value


def moment(data: Any, key: str, where: str) -> datetime:
    """An ISO 8601 date and time with an offset, as an aware datetime."""
    value = field(data, key, where)
    parsed = None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
    if parsed is None or parsed.utcoffset() is None:
        raise ArchiveError(
            f"{at(where, key)}: “{shown(value)}” is not a date and time with an offset."
        )
    return parsed


def moment_or_none(data: Any, key: str, where: str) -> datetime | None:
    """`moment`, or None where the archive has null."""
    if field(data, key, where) is None:
        return None
    return moment(data, key, where)


def number(data: Any, key: str, where: str) -> int:
    """A whole number of 0 or more."""
    value = field(data, key, where)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ArchiveError(f"{at(where, key)}: “{shown(value)}” is not a whole number.")
    return value


def number_or_none(data: Any, key: str, where: str) -> int | None:
    """`number`, or None where the archive has null."""
    if field(data, key, where) is None:
        return None
    return number(data, key, where)


def flag(data: Any, key: str, where: str) -> bool:
    value = field(data, key, where)
    if not isinstance(value, bool):
        raise ArchiveError(f"{at(where, key)}: not true or false.")
    return value


def checked[M: models.Model](instance: M, where: str) -> M:
    """`instance` after the model's own checks (lengths, choices, validators).

    Relations are set by the importer, not read from the archive, so they are
    not checked (each check would be a query). Uniqueness and constraints are
    left to the caller too, which says in its own words what clashes (a slug,
    a UID) rather than a generic message per row.
    """
    relations = [f.name for f in instance._meta.fields if f.is_relation]
    try:
        instance.full_clean(
            exclude=relations, validate_unique=False, validate_constraints=False
        )
    except ValidationError as error:
        name, messages = next(iter(error.message_dict.items()))
        place = where if name == "__all__" else f"{where}.{name}"
        raise ArchiveError(f"{place}: {messages[0]}") from None
    return instance


def key_of(people: dict[int, str], user_id: int | None) -> str | None:
    """The archive's key for a user id, or None for someone left out (or nobody)."""
    return people.get(user_id) if user_id is not None else None


def iso(value: datetime | None) -> str | None:
    """How an archive writes a date and time: ISO 8601 in UTC, or null."""
    return None if value is None else value.isoformat()
