"""Actions a visitor asked for before signing in, carried out when they do.

A visitor who presses "Join" or "Attending" is sent to sign in (or sign up) with
`intent=<name>:<argument>`. The intent travels inside their emailed link, so it
works even when the link opens in another browser, and it is carried out in the
same POST that signs them in. Apps register their intents in AppConfig.ready().
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from .models import User

_modules: dict[str, str] = {}


def register(name: str, module: str) -> None:
    """Intents called `name` are carried out by `module` (a dotted path),
    which defines `describe(argument) -> str | None` (a sentence for the
    confirmation page, or None if the argument names nothing that can be
    done) and `perform(user, argument) -> str` (a message for the person
    after signing in). It is imported when such an intent is first read, so
    that starting a process does not import the services behind it."""
    _modules[name] = module


def _split(value: str) -> tuple[ModuleType, str] | None:
    name, _, argument = (value or "").partition(":")
    module = _modules.get(name)
    if module is None or not argument:
        return None
    return import_module(module), argument


def clean(value: str) -> str:
    """The intent if it is one we know and can describe, else an empty string."""
    split = _split(value)
    if split is None or split[0].describe(split[1]) is None:
        return ""
    return value


def describe(value: str) -> str | None:
    split = _split(value)
    if split is None:
        return None
    sentence: str | None = split[0].describe(split[1])
    return sentence


def perform(value: str, user: User) -> str | None:
    split = _split(value)
    if split is None or split[0].describe(split[1]) is None:
        return None
    message: str = split[0].perform(user, split[1])
    return message
