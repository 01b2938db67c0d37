"""Absolute links for places that have no request: emails, commands, feeds."""

from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse


def absolute_url(path: str) -> str:
    """SITE_URL joined with a path that starts with a slash."""
    return f"{settings.SITE_URL}{path}"


def absolute_reverse(viewname: str, *args, **kwargs) -> str:
    return absolute_url(reverse(viewname, args=args or None, kwargs=kwargs or None))


def absolute_media_url(url: str) -> str:
    """A stored file's URL for an email: on SITE_URL, unless it is absolute already
    (a bucket's MEDIA_URL)."""
    return url if urlsplit(url).scheme else absolute_url(url)
