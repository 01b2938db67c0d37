"""The "join" intent: a visitor pressed Join before signing in."""

from django.utils.translation import gettext as _

from accounts.models import User

from .models import Group
from .services import membership_join


def describe(slug: str) -> str | None:
    group = Group.objects.filter(slug=slug).first()
    return _("join %(group)s") % {"group": group.name} if group else None


def perform(user: User, slug: str) -> str:
    group = Group.objects.get(slug=slug)
    membership_join(user=user, group=group)
    return _("You are a member of %(group)s.") % {"group": group.name}
