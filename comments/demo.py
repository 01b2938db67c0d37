"""Demo comments: a question with two replies, an edited comment and a hidden
one on the Rust meetup (the owner's notification emails land in var/mail/)."""

from datetime import timedelta

from django.utils import timezone

from .models import Comment
from .services import comment_create, comment_edit, comment_hide, follow_set


def seed(data: dict) -> None:
    people, meetup = data["people"], data["events"]["meetup"]
    ada, bruno, chiara, dev, emi = people[:5]
    follow_set(event=meetup, user=chiara, follow=True)
    question = comment_create(
        event=meetup,
        author=chiara,
        body="Is there a step-free way into c-base? I use a **wheelchair**.",
    )
    comment_create(
        event=meetup,
        author=ada,
        parent=question,
        body="Yes: the side entrance has a ramp, and the talk room is on the "
        "ground floor. Ring the bell and we will open it.",
    )
    comment_create(
        event=meetup,
        author=bruno,
        parent=question,
        body="I can meet you at the U-Bahn at 17:45 and walk over together.",
    )
    recorded = comment_create(
        event=meetup, author=dev, body="Will the talks be recorded?"
    )
    comment_edit(
        comment=recorded,
        body="Will the talks be recorded? I can only join [online]"
        "(https://meet.jit.si/rust-berlin-demo) this time.",
    )
    spam = comment_create(
        event=meetup, author=emi, body="Selling my old keyboard, DM me!"
    )
    comment_hide(comment=spam, by=ada)
    # Spread the comments over the last two days (the question with its replies
    # first; the hidden one below the newest).
    now = timezone.now()
    comments = Comment.objects.filter(event=meetup).order_by("pk")
    for hours_ago, comment in zip([47, 30, 29, 3, 20], comments, strict=True):
        Comment.objects.filter(pk=comment.pk).update(
            created_at=now - timedelta(hours=hours_ago)
        )
