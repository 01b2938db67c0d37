from django import template

from events.models import CalendarFeed
from groups.models import Membership

register = template.Library()


@register.inclusion_tag("events/_profile_sections.html", takes_context=True)
def profile_sections(context, user):
    return {
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "memberships": list(
            Membership.objects.filter(user=user)
            .select_related("group")
            .order_by("group__name")
        ),
        "feed": CalendarFeed.objects.filter(user=user).first(),
    }
