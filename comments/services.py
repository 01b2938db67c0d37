"""Writing comments: posting (with its notification), editing, moderating, following."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from events.models import Event
from groups.models import Membership
from notifications import email
from notifications.outbox import To

from .models import Comment, Follow


def comment_create(
    *, event: Event, author: User, body: str, parent: Comment | None = None
) -> Comment:
    """Post a comment on `event`, or a reply to `parent`.

    A reply to a reply attaches to that reply's parent: threads are one level
    deep. Side effects: one email to the group's owners and to the people
    following the event's comments, the author left out (the outbox skips those
    who turned comment emails off for the group).
    """
    if parent is not None and parent.event_id != event.pk:
        raise ValueError("A reply belongs to the event of the comment it answers.")
    if parent is not None and parent.parent_id is not None:
        parent = parent.parent
    with transaction.atomic():
        comment = Comment.objects.create(
            event=event, author=author, body=body, parent=parent
        )
        recipients = comment_recipients(comment=comment)
        if recipients:
            email.send_comment_posted(comment=comment, recipients=recipients)
    return comment


def comment_recipients(*, comment: Comment) -> list[To]:
    """Who is told about `comment`: owners and followers, not its author."""
    owners = Membership.objects.filter(
        group_id=comment.event.group_id, role=Membership.Role.OWNER
    ).values_list("user_id", flat=True)
    followers = Follow.objects.filter(event_id=comment.event_id).values_list(
        "user_id", flat=True
    )
    people = (
        User.objects.filter(is_active=True)
        .filter(Q(pk__in=owners) | Q(pk__in=followers))
        .exclude(pk=comment.author_id)
        .order_by("pk")
        .values_list("email", "pk", "language")
    )
    return [To(address, pk, language) for address, pk, language in people]


def comment_edit(*, comment: Comment, body: str) -> None:
    """Change the text; the comment shows "edited" from now on."""
    if body == comment.body:
        return
    comment.body = body
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "edited_at"])


def comment_hide(*, comment: Comment, by: User) -> None:
    """Hide from everyone but its author and the owners (shown as a placeholder)."""
    comment.hidden_at = timezone.now()
    comment.hidden_by = by
    comment.save(update_fields=["hidden_at", "hidden_by"])


def comment_unhide(*, comment: Comment) -> None:
    comment.hidden_at = None
    comment.hidden_by = None
    comment.save(update_fields=["hidden_at", "hidden_by"])


def comment_delete(*, comment: Comment) -> int:
    """Delete the comment and its replies; returns how many comments went."""
    deleted, per_model = comment.delete()
    return per_model.get(Comment._meta.label, 0)


def follow_set(*, event: Event, user: User, follow: bool) -> None:
    """Start or stop emailing `user` about new comments on `event`."""
    if follow:
        # A double click posts twice: the second insert is a no-op.
        Follow.objects.bulk_create(
            [Follow(event=event, user=user)], ignore_conflicts=True
        )
    else:
        Follow.objects.filter(event=event, user=user).delete()
