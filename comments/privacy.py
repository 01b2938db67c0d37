from .models import Comment, Follow


def forget(user) -> None:
    """On account deletion: the person's comments go (replies to them with them),
    and so do the events they follow."""
    Comment.objects.filter(author=user).delete()
    Follow.objects.filter(user=user).delete()
