from .models import CalendarFeed, ReplyAddress, Rsvp


def forget(user) -> None:
    """On account deletion: replies, reply addresses and the private feed go.

    Replies to future events are removed through the waiting-list logic so the
    next person moves up; past replies are simply deleted.
    """
    from django.utils import timezone

    from .models import Event
    from .services import rsvps_forget_future

    groups = Event.objects.filter(rsvps__user=user, start__gt=timezone.now()).values(
        "group"
    )
    from groups.models import Group

    for group in Group.objects.filter(pk__in=groups):
        rsvps_forget_future(user=user, group=group)
    Rsvp.objects.filter(user=user).delete()
    CalendarFeed.objects.filter(user=user).delete()
    ReplyAddress.objects.filter(user=user).delete()
