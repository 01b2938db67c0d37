"""The session engine (SESSION_ENGINE): Django's database sessions, whose row
also names the person signed in, so that one query loads both.

Django's `auth.get_user` asks the backend for the person by key after the
session is loaded: a second query on every signed-in request. Here the session
row is read with its person (`Session.objects` joins them), and the
authentication middleware (accounts.middleware) lets the backend take that
row while Django's `get_user` runs, so every check it makes (the backend
named in the session, the session hash, inactive people) is still its own.

Sessions stay rows in the database: they expire at `expire_date`, work across
processes and servers, and end when their row goes (signing out, or
`accounts.services.sessions_end` for all of a person's).
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseStore

from .models import Session, User

if TYPE_CHECKING:
    # Generic in django-stubs only.
    _DatabaseStore = DatabaseStore[Session]
else:
    _DatabaseStore = DatabaseStore


class SessionStore(_DatabaseStore):
    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        # The person's row read with the session's, if one is signed in.
        self.joined_user: User | None = None

    @classmethod
    def get_model_class(cls) -> type[Session]:
        return Session

    def load(self) -> dict[str, Any]:
        # Django's own lookup (absent from django-stubs), through
        # Session.objects, which joins the person.
        row = self._get_session_from_db()  # type: ignore[attr-defined]
        if row is None:
            return {}
        self.joined_user = row.user
        return self.decode(row.session_data)

    def create_model_instance(self, data: dict[str, Any]) -> Session:
        row = super().create_model_instance(data)
        row.user_id = _user_key(data.get(SESSION_KEY))
        return row


def _user_key(value: Any) -> int | None:
    """The person's key as the session keeps it (a string), as an integer."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# The session of the request whose person Django's `get_user` is looking up;
# set only around that call (accounts.middleware).
loading: ContextVar[Any] = ContextVar("accounts_sessions_loading", default=None)


def joined_user(user_id: Any) -> User | None:
    """The person `user_id` as read with the current request's session, if
    it was (None: the backend reads the row itself)."""
    store = loading.get()
    user = getattr(store, "joined_user", None)
    if user is not None and user.pk == _user_key(user_id):
        return user
    return None
