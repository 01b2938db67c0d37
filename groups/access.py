"""Who may see or change a group: one place, used by every view.

`can_manage` is the owner-or-staff rule every app applies to a group's things
(its settings, events, mailings, roulette, unconferences and polls' events).
"""

from enum import Enum
from typing import Literal

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accounts.models import User

from .models import Group, Membership


def membership_of(user: User | AnonymousUser, group: Group) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, group=group).first()


# "Not given", where None means "not a member"; an enum member, which mypy
# tells apart from a Membership, unlike a bare object().
class _LookUp(Enum):
    LOOK_UP = "look up"


_LOOK_UP = _LookUp.LOOK_UP


def can_manage(
    user: User | AnonymousUser,
    group: Group,
    *,
    membership: Membership | None | Literal[_LookUp.LOOK_UP] = _LOOK_UP,
) -> bool:
    """Whether `user` may manage `group`: its owners and staff may.

    Pass the viewer's `membership` (None for "not a member") when the caller has
    it already, to save the query.
    """
    if membership is _LOOK_UP:
        membership = membership_of(user, group)
    return user.is_staff or (membership is not None and membership.is_owner)


def managed_groups(user: User) -> QuerySet[Group]:
    """The groups `user` may manage (the `can_manage` rule as a queryset)."""
    if user.is_staff:
        return Group.objects.all()
    return Group.objects.filter(
        memberships__user=user, memberships__role=Membership.Role.OWNER
    ).distinct()


def get_group(slug: str) -> Group:
    return get_object_or_404(Group.objects.with_member_count(), slug=slug)


def get_group_for_member(
    request: HttpRequest, slug: str
) -> tuple[Group, Membership | None]:
    """The group and the viewer's membership; 403 unless member or staff."""
    group = get_group(slug)
    membership = membership_of(request.user, group)
    if membership is None and not request.user.is_staff:
        raise PermissionDenied(_("Only members of this group can see that."))
    return group, membership


def get_group_for_owner(request: HttpRequest, slug: str) -> Group:
    """The group if the viewer owns it (or is staff); 403 otherwise."""
    group = get_group(slug)
    if not can_manage(request.user, group):
        raise PermissionDenied(_("Only the group's owners can do that."))
    return group
