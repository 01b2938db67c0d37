"""The request a view behind `login_required` gets, for type annotations."""

from django.http import HttpRequest

from .models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request whose user is signed in, which `login_required` guarantees.

    Django never builds one: views annotate their `request` with it so that
    mypy knows `request.user` is a User there, not `User | AnonymousUser`.
    """

    user: User
