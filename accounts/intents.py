"""Actions a visitor asked for before signing in, carried out when they do.

A visitor who presses "Join" or "Attending" is sent to sign in (or sign up) with
`intent=<name>:<argument>`. The intent travels inside their emailed link, so it
works even when the link opens in another browser, and it is carried out in the
same POST that signs them in. Apps register their intents in AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .models import User


@dataclass(frozen=True)
class IntentHandler:
    # describe(argument) -> a sentence for the confirmation page, or None if the
    # argument names nothing that can be done.
    describe: Callable[[str], str | None]
    # perform(user, argument) -> a message for the person after signing in.
    perform: Callable[[User, str], str]


_handlers: dict[str, IntentHandler] = {}


def register(
    name: str,
    *,
    describe: Callable[[str], str | None],
    perform: Callable[[User, str], str],
) -> None:
    _handlers[name] = IntentHandler(describe=describe, perform=perform)


def _split(value: str) -> tuple[IntentHandler, str] | None:
    name, _, argument = (value or "").partition(":")
    handler = _handlers.get(name)
    if handler is None or not argument:
        return None
    return handler, argument


def clean(value: str) -> str:
    """The intent if it is one we know and can describe, else an empty string."""
    split = _split(value)
    if split is None or split[0].describe(split[1]) is None:
        return ""
    return value


def describe(value: str) -> str | None:
    split = _split(value)
    return split[0].describe(split[1]) if split else None


def perform(value: str, user: User) -> str | None:
    split = _split(value)
    if split is None or split[0].describe(split[1]) is None:
        return None
    return split[0].perform(user, split[1])
