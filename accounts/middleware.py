from typing import Any, cast

from django.contrib import auth
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from . import sessions


class JoinedUserAuthenticationMiddleware(AuthenticationMiddleware):
    """Django's AuthenticationMiddleware, with the person read with the session.

    `request.user` is still Django's `auth.get_user(request)`, evaluated on
    first use; while it runs, the backend may take the person from the session
    row (accounts.sessions) instead of querying for them again.
    """

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        request.user = cast(Any, SimpleLazyObject(lambda: _get_user(request)))


def _get_user(request: HttpRequest) -> Any:
    if not hasattr(request, "_cached_user"):
        token = sessions.loading.set(request.session)
        try:
            request._cached_user = auth.get_user(request)  # type: ignore[attr-defined]
        finally:
            sessions.loading.reset(token)
    return request._cached_user  # type: ignore[attr-defined]
