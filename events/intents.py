"""The "rsvp" intent: a visitor answered an event before signing in."""

from .models import Event
from .services import RsvpError, rsvp_set

LABELS = {"attending": "attending", "not_attending": "not attending"}


def _parse(argument: str):
    pk, _, choice = argument.partition(":")
    if not pk.isdigit() or choice not in LABELS:
        return None, None
    event = Event.objects.select_related("group").filter(pk=int(pk)).first()
    return event, choice


def describe(argument: str) -> str | None:
    event, choice = _parse(argument)
    if event is None:
        return None
    return f"reply “{LABELS[choice]}” to {event.title} (and join {event.group.name})"


def perform(user, argument: str) -> str:
    event, choice = _parse(argument)
    try:
        rsvp = rsvp_set(event=event, user=user, choice=choice)
    except RsvpError as error:
        return str(error)
    return f"Your reply to {event.title}: {rsvp.get_status_display()}."
