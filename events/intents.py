"""The "rsvp" intent: a visitor answered an event before signing in."""

from accounts.models import User

from .models import Event
from .services import RsvpError, rsvp_set

LABELS = {"attending": "attending", "not_attending": "not attending"}


def _parse(argument: str) -> tuple[Event | None, str | None]:
    pk, _, choice = argument.partition(":")
    if not pk.isdigit() or choice not in LABELS:
        return None, None
    event = Event.objects.select_related("group").filter(pk=int(pk)).first()
    return event, choice


def describe(argument: str) -> str | None:
    event, choice = _parse(argument)
    if event is None or choice is None:
        return None
    return f"reply “{LABELS[choice]}” to {event.title} (and join {event.group.name})"


def perform(user: User, argument: str) -> str:
    event, choice = _parse(argument)
    # Only called once describe() accepted the argument: the event exists
    # and the choice is one of LABELS, whose replies rsvp_set always returns.
    assert event is not None and choice is not None
    try:
        rsvp = rsvp_set(event=event, user=user, choice=choice)
    except RsvpError as error:
        return str(error)
    assert rsvp is not None
    return f"Your reply to {event.title}: {rsvp.get_status_display()}."
