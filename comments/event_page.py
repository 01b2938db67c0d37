"""Comments' section of the event page (the events app finds it by name).

Three queries whatever the number of comments: the newest threads with the
total, their replies, and whether the viewer follows the event.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from events.models import Event
from groups.models import Membership

from .access import viewer_of
from .forms import CommentForm
from .models import Follow
from .threads import shown_threads, top_level, total_of, with_total

THREADS_SHOWN = 10


def section(
    *, request: HttpRequest, event: Event, membership: Membership | None
) -> dict[str, Any]:
    """The newest threads, the comment form or a prompt, and the follow button."""
    viewer = viewer_of(request.user, event, membership=membership)
    threads = list(with_total(top_level(event), event)[: THREADS_SHOWN + 1])
    following = False
    if viewer.user_id is not None and viewer.may_comment and not viewer.owns_group:
        following = Follow.objects.filter(event=event, user_id=viewer.user_id).exists()
    return {
        "template": "comments/_section.html",
        "viewer": viewer,
        "threads": shown_threads(threads[:THREADS_SHOWN], viewer),
        "total": total_of(threads),
        "more": len(threads) > THREADS_SHOWN,
        "form": CommentForm(request=request) if viewer.may_comment else None,
        "following": following,
    }
