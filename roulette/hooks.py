"""What coffee roulette does when something happens in a lower app
(core.discovery)."""

from .services import pairings_forget_future


def member_left(*, user, group) -> None:
    """Upcoming meetings in the group are declined, and partners told."""
    pairings_forget_future(user=user, group=group)
