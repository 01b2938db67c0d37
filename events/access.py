from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from groups.access import membership_of

from .models import Event


def get_event(pk: int) -> Event:
    return get_object_or_404(Event.objects.select_related("group"), pk=pk)


def get_event_for_owner(request, pk: int) -> Event:
    """The event if the viewer owns its group (or is staff); 403 otherwise."""
    event = get_event(pk)
    membership = membership_of(request.user, event.group)
    if not request.user.is_staff and (membership is None or not membership.is_owner):
        raise PermissionDenied("Only the group's owners can do that.")
    return event
