"""The "rsvp" intent: a visitor answered an event before signing in."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from .models import Event
from .services import RsvpError, rsvp_set

LABELS = {"attending": _("attending"), "not_attending": _("not attending")}


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
    return _("reply “%(reply)s” to %(event)s (and join %(group)s)") % {
        "reply": LABELS[choice],
        "event": event.title,
        "group": event.group.name,
    }


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
    return gettext("Your reply to %(event)s: %(reply)s.") % {
        "event": event.title,
        "reply": rsvp.get_status_display(),
    }
