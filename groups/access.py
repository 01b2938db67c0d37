"""Who may see or change a group: one place, used by every view."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from .models import Group, Membership


def membership_of(user, group: Group) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, group=group).first()


def get_group(slug: str) -> Group:
    return get_object_or_404(Group, slug=slug)


def get_group_for_member(request, slug: str) -> tuple[Group, Membership | None]:
    """The group and the viewer's membership; 403 unless member or staff."""
    group = get_group(slug)
    membership = membership_of(request.user, group)
    if membership is None and not request.user.is_staff:
        raise PermissionDenied("Only members of this group can see that.")
    return group, membership


def get_group_for_owner(request, slug: str) -> Group:
    """The group if the viewer owns it (or is staff); 403 otherwise."""
    group = get_group(slug)
    membership = membership_of(request.user, group)
    if not request.user.is_staff and (membership is None or not membership.is_owner):
        raise PermissionDenied("Only the group's owners can do that.")
    return group
