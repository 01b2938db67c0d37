"""The per-app modules of the contract, found by name (docs/architecture.md).

A lower app never imports a higher one. Where it needs the apps above it to act
(a member left a group, a person deleted their account) or to add their part
(demo data, profile sections, housekeeping steps), it calls the module of an
agreed name in every installed app that has one, in INSTALLED_APPS order.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import import_module
from importlib.util import find_spec
from types import ModuleType

from django.apps import apps


def app_modules(name: str) -> list[ModuleType]:
    """`<app>.<name>` of every installed app that has such a module, in order."""
    return list(_app_modules(name, tuple(c.name for c in apps.get_app_configs())))


@lru_cache(maxsize=64)
def _app_modules(name: str, app_names: tuple[str, ...]) -> tuple[ModuleType, ...]:
    # Looked up once per name and set of apps: the event page asks on every
    # view, and `find_spec` searches the file system for each installed app.
    # The apps are part of the key, so a test that installs another app (or
    # removes one) gets its own answer.
    found = []
    for app_name in app_names:
        module_name = f"{app_name}.{name}"
        if find_spec(module_name) is not None:
            found.append(import_module(module_name))
    return tuple(found)


def call_hook(hook: str, **kwargs) -> None:
    """Call `hooks.<hook>(**kwargs)` of every app whose `hooks` module has one."""
    for module in app_modules("hooks"):
        function = getattr(module, hook, None)
        if function is not None:
            function(**kwargs)
