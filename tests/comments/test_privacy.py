from accounts.services import account_delete
from comments.models import Comment, Follow
from tests.factories import CommentFactory


def test_account_deletion_removes_the_persons_comments_and_follows(
    event, owner, member, comment
):
    CommentFactory(event=event, author=owner, parent=comment)
    kept = CommentFactory(event=event, author=owner)
    CommentFactory(event=event, author=member, parent=kept)
    Follow.objects.create(event=event, user=member)

    account_delete(user=member)

    assert list(Comment.objects.all()) == [kept]
    assert Follow.objects.exists() is False
