from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from accounts.http import AuthenticatedHttpRequest
from notifications.models import OptOut, Topic

from . import services
from .access import (
    Viewer,
    get_comment,
    get_comment_for_author,
    get_comment_for_deleting,
    get_comment_for_owner,
    get_event_and_viewer,
    get_event_for_commenter,
)
from .forms import CommentForm, EditForm, ReplyForm
from .models import Comment
from .threads import shown_thread, shown_threads, top_level, total_of, with_total

THREADS_PER_PAGE = 20
HIDDEN_NO_REPLIES = gettext_lazy("This comment is hidden, so it takes no replies.")


def _event_comments_url(comment: Comment) -> str:
    return f"{comment.event.get_absolute_url()}#comments"


@require_safe
def comment_list(request: HttpRequest, pk: int) -> HttpResponse:
    """Every thread of the event, newest first, a page at a time."""
    event, viewer = get_event_and_viewer(request, pk)
    paginator = Paginator(with_total(top_level(event), event), THREADS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    threads = list(page.object_list)
    ctx = {
        "event": event,
        "viewer": viewer,
        "page": page,
        "threads": shown_threads(threads, viewer),
        "total": total_of(threads),
    }
    return render(request, "comments/list.html", ctx)


@require_safe
def thread(request: HttpRequest, pk: int, comment_id: int) -> HttpResponse:
    """A comment with all its replies, and the reply form."""
    comment, viewer = get_comment(request, pk, comment_id)
    if comment.parent_id is not None:
        return redirect(comment.get_absolute_url())
    form = ReplyForm(request=request) if viewer.may_comment else None
    return _thread_page(request, comment, viewer, form=form)


def _thread_page(
    request: HttpRequest,
    comment: Comment,
    viewer: Viewer,
    *,
    form: ReplyForm | None,
) -> HttpResponse:
    shown = shown_thread(comment, viewer)
    ctx: dict[str, Any] = {
        "event": comment.event,
        "viewer": viewer,
        "thread": shown,
        "thread_list": [shown],
        "form": form if viewer.may_comment and not comment.is_hidden else None,
    }
    return render(request, "comments/thread.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def comment_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    event, _ = get_event_for_commenter(request, pk)
    form = CommentForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        comment = services.comment_create(
            event=event, author=request.user, body=form.cleaned_data["body"]
        )
        messages.success(request, gettext("Your comment is posted."))
        return redirect(f"{event.get_absolute_url()}#comment-{comment.pk}")
    return render(request, "comments/create.html", {"event": event, "form": form})


@login_required
@require_POST
def reply(request: AuthenticatedHttpRequest, pk: int, comment_id: int) -> HttpResponse:
    """A reply; to a reply, it goes to the same thread (one level deep)."""
    comment, viewer = get_comment(request, pk, comment_id)
    if not viewer.may_comment:
        raise PermissionDenied(
            gettext("Only members of this group can reply. Join it first.")
        )
    top = comment.parent or comment
    if comment.is_hidden or top.is_hidden:
        raise PermissionDenied(HIDDEN_NO_REPLIES)
    form = ReplyForm(request.POST, request=request)
    if not form.is_valid():
        top.event = comment.event
        return _thread_page(request, top, viewer, form=form)
    posted = services.comment_create(
        event=comment.event,
        author=request.user,
        body=form.cleaned_data["body"],
        parent=comment,
    )
    messages.success(request, gettext("Your reply is posted."))
    return redirect(posted.get_absolute_url())


@login_required
@require_http_methods(["GET", "POST"])
def comment_edit(
    request: AuthenticatedHttpRequest, pk: int, comment_id: int
) -> HttpResponse:
    comment, _ = get_comment_for_author(request, pk, comment_id)
    form = EditForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        services.comment_edit(comment=comment, body=form.cleaned_data["body"])
        messages.success(request, gettext("Your comment is saved."))
        return redirect(comment.get_absolute_url())
    ctx = {"event": comment.event, "comment": comment, "form": form}
    return render(request, "comments/edit.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def comment_delete(
    request: AuthenticatedHttpRequest, pk: int, comment_id: int
) -> HttpResponse:
    comment, _ = get_comment_for_deleting(request, pk, comment_id)
    if request.method == "POST":
        deleted = services.comment_delete(comment=comment)
        messages.success(request, _deleted_message(replies=deleted - 1))
        return redirect(_event_comments_url(comment))
    ctx = {
        "event": comment.event,
        "comment": comment,
        "replies": comment.replies.count(),
    }
    return render(request, "comments/delete.html", ctx)


def _deleted_message(*, replies: int) -> str:
    if not replies:
        return gettext("The comment is deleted.")
    return ngettext(
        "The comment is deleted, with its %(count)s reply.",
        "The comment is deleted, with its %(count)s replies.",
        replies,
    ) % {"count": replies}


@login_required
@require_http_methods(["GET", "POST"])
def comment_hide(
    request: AuthenticatedHttpRequest, pk: int, comment_id: int
) -> HttpResponse:
    comment, _ = get_comment_for_owner(request, pk, comment_id)
    if comment.is_hidden:
        messages.info(request, gettext("This comment is hidden already."))
        return redirect(comment.get_absolute_url())
    if request.method == "POST":
        services.comment_hide(comment=comment, by=request.user)
        messages.success(
            request,
            gettext(
                "The comment is hidden. Its author and the group's owners still see it."
            ),
        )
        return redirect(comment.get_absolute_url())
    return render(
        request, "comments/hide.html", {"event": comment.event, "comment": comment}
    )


@login_required
@require_http_methods(["GET", "POST"])
def comment_unhide(
    request: AuthenticatedHttpRequest, pk: int, comment_id: int
) -> HttpResponse:
    comment, _ = get_comment_for_owner(request, pk, comment_id)
    if not comment.is_hidden:
        messages.info(request, gettext("This comment is not hidden."))
        return redirect(comment.get_absolute_url())
    if request.method == "POST":
        services.comment_unhide(comment=comment)
        messages.success(request, gettext("The comment is shown to everyone again."))
        return redirect(comment.get_absolute_url())
    return render(
        request, "comments/unhide.html", {"event": comment.event, "comment": comment}
    )


@login_required
@require_POST
def follow(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    event, _ = get_event_for_commenter(request, pk)
    services.follow_set(event=event, user=request.user, follow=True)
    messages.success(
        request, gettext("You will get an email about each new comment here.")
    )
    if OptOut.objects.filter(
        user=request.user, group=event.group, topic=Topic.COMMENTS
    ).exists():
        messages.warning(
            request,
            gettext(
                "Your email preferences turn off comment emails from %(group)s; "
                "turn them on to receive these."
            )
            % {"group": event.group.name},
        )
    return redirect(f"{event.get_absolute_url()}#comments")


@login_required
@require_POST
def unfollow(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    event, _ = get_event_for_commenter(request, pk)
    services.follow_set(event=event, user=request.user, follow=False)
    messages.success(
        request, gettext("You will no longer get emails about new comments here.")
    )
    return redirect(f"{event.get_absolute_url()}#comments")
