"""Events' section of the profile page (accounts finds it by name)."""

from .models import CalendarFeed


def section(user) -> dict:
    """The person's private calendar feed, if they made one."""
    feed = CalendarFeed.objects.filter(user=user).first()
    return {"template": "events/_profile_feed.html", "feed": feed}
