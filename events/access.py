from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from groups.access import can_manage

from .models import Event


def get_event(pk: int) -> Event:
    return get_object_or_404(Event.objects.select_related("group"), pk=pk)


def get_event_for_owner(request: HttpRequest, pk: int) -> Event:
    """The event if the viewer owns its group (or is staff); 403 otherwise."""
    event = get_event(pk)
    if not can_manage(request.user, event.group):
        raise PermissionDenied(_("Only the group's owners can do that."))
    return event
