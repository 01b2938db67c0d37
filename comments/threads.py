"""The read model of an event's comments: threads as a viewer sees them.

A page loads its top-level comments (authors joined) in one query and all their
replies in one more, whatever their number, and works out here, not in the
template, what the viewer sees and may do with each.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.db.models.query import prefetch_related_objects

from events.models import Event

from .access import Viewer
from .models import Comment


@dataclass(frozen=True)
class Shown:
    """One comment for one viewer."""

    comment: Comment
    sees_body: bool
    may_reply: bool
    may_edit: bool
    may_delete: bool
    may_hide: bool
    replies: list[Shown] = field(default_factory=list)


def top_level(event: Event) -> QuerySet[Comment]:
    """The event's threads, newest first, with their authors."""
    return (
        Comment.objects.filter(event=event, parent=None)
        .select_related("author")
        .order_by("-created_at", "-pk")
    )


def with_total(threads: QuerySet[Comment], event: Event) -> QuerySet[Comment]:
    """Annotate `total`, the number of the event's comments and replies.

    An uncorrelated subquery, computed once by the database, so the page needs
    no separate COUNT query.
    """
    total = (
        Comment.objects.filter(event=event)
        .order_by()
        .values("event")
        .annotate(n=Count("*"))
        .values("n")
    )
    return threads.annotate(total=Coalesce(Subquery(total), 0))


def total_of(threads: list[Comment]) -> int:
    """The `total` that `with_total` put on each thread (0 without threads)."""
    return vars(threads[0])["total"] if threads else 0


def shown_threads(threads: list[Comment], viewer: Viewer) -> list[Shown]:
    """`threads` with their replies (one query for all), as `viewer` sees them."""
    replies = Comment.objects.select_related("author").order_by("created_at", "pk")
    prefetch_related_objects(threads, Prefetch("replies", queryset=replies))
    return [
        _shown(
            thread,
            viewer,
            replies=[_shown(r, viewer, thread=thread) for r in thread.replies.all()],
        )
        for thread in threads
    ]


def shown_thread(thread: Comment, viewer: Viewer) -> Shown:
    return shown_threads([thread], viewer)[0]


def _shown(
    comment: Comment,
    viewer: Viewer,
    *,
    thread: Comment | None = None,
    replies: list[Shown] | None = None,
) -> Shown:
    top = thread or comment
    return Shown(
        comment=comment,
        sees_body=viewer.sees_body(comment),
        may_reply=viewer.may_comment and not top.is_hidden and not comment.is_hidden,
        may_edit=viewer.may_edit(comment),
        may_delete=viewer.may_delete(comment),
        may_hide=viewer.is_owner,
        replies=replies or [],
    )
