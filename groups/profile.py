"""Groups' section of the profile page (accounts finds it by name)."""

from .models import Membership


def section(user) -> dict:
    """The person's groups by name, marking the ones they own."""
    memberships = (
        Membership.objects.filter(user=user)
        .select_related("group")
        .order_by("group__name")
    )
    return {"template": "groups/_profile_groups.html", "memberships": list(memberships)}
