from django.utils.translation import gettext as _

from .models import Invitation, Membership


def forget(user) -> None:
    """On account deletion: memberships go (owner roles with them), and so do
    invitations of the address."""
    Membership.objects.filter(user=user).delete()
    Invitation.objects.filter(email=user.email).delete()


def blockers(user) -> list[str]:
    """Reasons the account cannot be deleted yet: groups it alone runs."""
    from django.db.models import Count, Q

    from .models import Group

    alone = (
        Group.objects.filter(memberships__user=user, memberships__role="owner")
        .annotate(owners=Count("memberships", filter=Q(memberships__role="owner")))
        .filter(owners=1)
        .order_by("name")
    )
    return [
        _("You are the only owner of %(group)s. Add another owner first.")
        % {"group": group.name}
        for group in alone
    ]
