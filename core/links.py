"""Absolute links for places that have no request: emails, commands, feeds."""

from django.conf import settings
from django.urls import reverse


def absolute_url(path: str) -> str:
    """SITE_URL joined with a path that starts with a slash."""
    return f"{settings.SITE_URL}{path}"


def absolute_reverse(viewname: str, *args, **kwargs) -> str:
    return absolute_url(reverse(viewname, args=args or None, kwargs=kwargs or None))
