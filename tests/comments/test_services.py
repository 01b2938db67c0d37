import pytest

from comments.models import Comment
from comments.services import comment_create, comment_edit
from tests.factories import CommentFactory


def test_a_reply_to_a_reply_attaches_to_the_top_level_comment(event, comment, owner):
    first = comment_create(event=event, author=owner, body="Yes", parent=comment)

    second = comment_create(event=event, author=owner, body="Also", parent=first)

    assert (first.parent, second.parent) == (comment, comment)


def test_a_reply_to_another_events_comment_is_refused(event, owner):
    elsewhere = CommentFactory()

    with pytest.raises(ValueError):
        comment_create(event=event, author=owner, body="Hm", parent=elsewhere)

    assert list(Comment.objects.all()) == [elsewhere]


def test_saving_the_same_text_does_not_mark_it_edited(comment):
    comment_edit(comment=comment, body=comment.body)

    comment.refresh_from_db()
    assert comment.is_edited is False
