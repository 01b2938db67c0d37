"""Who may see or change an unconference: one place, used by every view.

Not visible (no such event, unconference mode off for a non-owner): 404.
Visible but not yours: PermissionDenied (403) with a message saying why.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from events.access import get_event
from events.models import Event, Rsvp
from groups.access import can_manage, membership_of

from .models import Session, Unconference

NOT_ATTENDING = _(
    "Only people attending this event can propose and rate sessions. "
    "Reply “Attending” on the event page first."
)


@dataclass(frozen=True)
class Viewer:
    """What the person looking at an unconference may do."""

    is_owner: bool
    is_member: bool
    is_attending: bool


def viewer_of(request: HttpRequest, event: Event) -> Viewer:
    user = request.user
    membership = membership_of(user, event.group)
    attending = (
        user.is_authenticated
        and Rsvp.objects.filter(
            event=event, user=user, status=Rsvp.Status.ATTENDING
        ).exists()
    )
    return Viewer(
        is_owner=can_manage(user, event.group, membership=membership),
        is_member=user.is_staff or membership is not None,
        is_attending=attending,
    )


def _load(pk: int) -> Unconference:
    return get_object_or_404(
        Unconference.objects.select_related("event__group", "published_run"),
        event_id=pk,
    )


def get_unconference(request: HttpRequest, pk: int) -> tuple[Unconference, Viewer]:
    """The unconference and the viewer; 404 while it is off, except for owners."""
    unconference = _load(pk)
    viewer = viewer_of(request, unconference.event)
    if not unconference.enabled and not viewer.is_owner:
        raise Http404(_("This event is not an unconference."))
    return unconference, viewer


def get_event_for_owner(request: HttpRequest, pk: int) -> Event:
    """The event if the viewer owns its group (or is staff); 403 otherwise."""
    event = get_event(pk)
    if not viewer_of(request, event).is_owner:
        raise PermissionDenied(_("Only the group's owners can do that."))
    return event


def get_unconference_for_owner(request: HttpRequest, pk: int) -> Unconference:
    unconference = _load(pk)
    if not viewer_of(request, unconference.event).is_owner:
        raise PermissionDenied(_("Only the group's owners can do that."))
    return unconference


def get_unconference_for_attendee(request: HttpRequest, pk: int) -> Unconference:
    """For proposing and rating: people attending only (owners included if so)."""
    unconference, viewer = get_unconference(request, pk)
    if not viewer.is_attending:
        raise PermissionDenied(NOT_ATTENDING)
    return unconference


def get_session(unconference: Unconference, session_id: int) -> Session:
    return get_object_or_404(
        Session.objects.select_related("proposer"),
        unconference=unconference,
        pk=session_id,
    )


def get_session_for_proposer(request: HttpRequest, pk: int, session_id: int) -> Session:
    """A session its proposer may edit or withdraw (still attending)."""
    unconference = get_unconference_for_attendee(request, pk)
    session = get_session(unconference, session_id)
    if session.proposer_id != request.user.pk:
        raise PermissionDenied(
            _("Only the person who proposed this session can do that.")
        )
    session.unconference = unconference
    return session
