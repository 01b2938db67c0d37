"""The "join" intent: a visitor pressed Join before signing in."""

from accounts.models import User

from .models import Group
from .services import membership_join


def describe(slug: str) -> str | None:
    group = Group.objects.filter(slug=slug).first()
    return f"join {group.name}" if group else None


def perform(user: User, slug: str) -> str:
    group = Group.objects.get(slug=slug)
    membership_join(user=user, group=group)
    return f"You are a member of {group.name}."
