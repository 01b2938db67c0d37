"""Who may see, write and moderate an event's comments: one place for every view.

Everyone who can open an event page sees its comments (a hidden one as a
placeholder). Members of the event's group (and staff) comment, reply and
follow; the author edits; the author and the group's owners delete; owners hide.
Not visible (no such event or comment): 404. Visible but not yours: 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from events.access import get_event
from events.models import Event
from groups.access import can_manage, membership_of
from groups.models import Membership

from .models import Comment

MEMBERS_ONLY = _("Only members of this group can comment. Join the group first.")


@dataclass(frozen=True)
class Viewer:
    """What the person looking at an event's comments may do."""

    user_id: int | None
    # The group's owners and staff (groups.access.can_manage).
    is_owner: bool
    # An owner by membership: emailed about every comment without following.
    owns_group: bool
    may_comment: bool

    def sees_body(self, comment: Comment) -> bool:
        """A hidden comment is shown to its author and the owners only."""
        return not comment.is_hidden or self.may_delete(comment)

    def may_edit(self, comment: Comment) -> bool:
        return comment.author_id == self.user_id

    def may_delete(self, comment: Comment) -> bool:
        return self.is_owner or comment.author_id == self.user_id


def viewer_of(
    user: User | AnonymousUser, event: Event, *, membership: Membership | None
) -> Viewer:
    """The viewer of `event`'s comments, given their `membership` of its group."""
    if not user.is_authenticated:
        return Viewer(user_id=None, is_owner=False, owns_group=False, may_comment=False)
    return Viewer(
        user_id=user.pk,
        is_owner=can_manage(user, event.group, membership=membership),
        owns_group=membership is not None and membership.is_owner,
        may_comment=user.is_staff or membership is not None,
    )


def get_event_and_viewer(request: HttpRequest, pk: int) -> tuple[Event, Viewer]:
    event = get_event(pk)
    membership = membership_of(request.user, event.group)
    return event, viewer_of(request.user, event, membership=membership)


def get_event_for_commenter(request: HttpRequest, pk: int) -> tuple[Event, Viewer]:
    """The event if the viewer may comment on it; 403 otherwise."""
    event, viewer = get_event_and_viewer(request, pk)
    if not viewer.may_comment:
        raise PermissionDenied(MEMBERS_ONLY)
    return event, viewer


def get_comment(
    request: HttpRequest, pk: int, comment_id: int
) -> tuple[Comment, Viewer]:
    """A comment of event `pk` (404 when it is not one) and the viewer."""
    event, viewer = get_event_and_viewer(request, pk)
    comment = get_object_or_404(
        Comment.objects.select_related("author"), event=event, pk=comment_id
    )
    comment.event = event
    return comment, viewer


def get_comment_for_author(
    request: HttpRequest, pk: int, comment_id: int
) -> tuple[Comment, Viewer]:
    comment, viewer = get_comment(request, pk, comment_id)
    if not viewer.may_edit(comment):
        raise PermissionDenied(_("Only the person who wrote this comment can edit it."))
    return comment, viewer


def get_comment_for_deleting(
    request: HttpRequest, pk: int, comment_id: int
) -> tuple[Comment, Viewer]:
    comment, viewer = get_comment(request, pk, comment_id)
    if not viewer.may_delete(comment):
        raise PermissionDenied(
            _(
                "Only the person who wrote this comment and the group's owners "
                "can delete it."
            )
        )
    return comment, viewer


def get_comment_for_owner(
    request: HttpRequest, pk: int, comment_id: int
) -> tuple[Comment, Viewer]:
    comment, viewer = get_comment(request, pk, comment_id)
    if not viewer.is_owner:
        raise PermissionDenied(_("Only the group's owners can hide comments."))
    return comment, viewer
