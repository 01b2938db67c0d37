"""What the home page lists: your groups' events first, then everything else."""

from groups.models import Group, Membership

from .models import Event


def home_context(user, limit: int) -> dict:
    upcoming = Event.objects.upcoming().select_related("group").with_counts()
    if user.is_authenticated:
        mine = Membership.objects.filter(user=user).values("group")
        return {
            "my_events": list(upcoming.filter(group__in=mine)[:limit]),
            "other_events": list(upcoming.exclude(group__in=mine)[:limit]),
        }
    return {
        "other_events": list(upcoming[:limit]),
        "groups": list(Group.objects.with_member_count()[:limit]),
    }
