"""What comments does when something happens in a lower app (core.discovery)."""

from .models import Follow


def member_left(*, user, group) -> None:
    """No more comment emails from a group one has left; the comments stay."""
    Follow.objects.filter(user=user, event__group=group).delete()
