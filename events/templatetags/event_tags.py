import zoneinfo

from django import template
from django.templatetags.tz import do_timezone

from events.models import CalendarFeed
from groups.models import Membership

register = template.Library()


@register.filter
def in_zone(value, zone_name: str):
    """A datetime shown in another IANA zone (and not converted back by `date`)."""
    if not value or not zone_name:
        return value
    return do_timezone(value, zoneinfo.ZoneInfo(zone_name))


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
