from typing import Any

from django.contrib.auth.backends import BaseBackend
from django.http import HttpRequest
from django.utils import timezone

from .models import LoginToken, User
from .sessions import joined_user


class EmailTokenBackend(BaseBackend):
    """`authenticate(request, token=...)`: a one-time link from an email signs in."""

    def authenticate(
        self, request: HttpRequest | None, token: str | None = None, **kwargs: Any
    ) -> User | None:
        if not token:
            return None
        found = LoginToken.find_usable(
            token, purposes=[LoginToken.Purpose.SIGNIN, LoginToken.Purpose.VERIFY]
        )
        if found is None or not found.user.is_active or not found.consume():
            return None
        user = found.user
        if user.email_verified_at is None:
            # Opening the link proves the person reads this address.
            user.email_verified_at = timezone.now()
            user.save(update_fields=["email_verified_at"])
        user.login_token = found
        return user

    def get_user(self, user_id: Any) -> User | None:
        # Read with the session row when there was one (accounts.sessions).
        user = joined_user(user_id)
        if user is None:
            try:
                user = User.objects.get(pk=user_id)
            except User.DoesNotExist:
                return None
        return user if user.is_active else None
