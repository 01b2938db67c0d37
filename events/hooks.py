"""What events does when something happens in a lower app (core.discovery)."""

from .services import rsvps_forget_future


def member_left(*, user, group) -> None:
    """Replies to the group's future events go; people waiting move up."""
    rsvps_forget_future(user=user, group=group)
