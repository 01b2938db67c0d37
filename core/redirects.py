from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(url: str | None, *, default: str = "/") -> str:
    """A same-site relative path to go to after an action, or `default`.

    Only paths like `/groups/rust/` pass: no scheme, no host, no `//host` and
    no backslash tricks, so a `next=` parameter can never leave the site.
    """
    url = (url or "").strip()
    if (
        url.startswith("/")
        and not url.startswith(("//", "/\\"))
        and "\\" not in url
        and url_has_allowed_host_and_scheme(url, allowed_hosts=set())
    ):
        return url
    return default
