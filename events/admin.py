from django.contrib import admin
from django.utils import timezone

from .models import Event, Rsvp, Series


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "group", "start", "timezone", "status", "capacity"]
    list_filter = ["status"]
    search_fields = ["title", "group__name"]
    raw_id_fields = ["group", "series", "created_by", "updated_by"]
    readonly_fields = ["uid", "sequence", "created_at", "updated_at"]
    date_hierarchy = "start"

    def save_model(self, request, obj, form, change) -> None:
        # Calendar files and feeds are validated by `updated_at` (their entity
        # tags, events.calendar.event_etag) and stamp it as DTSTAMP: an edit
        # here is a change like any other.
        if change:
            obj.updated_at, obj.updated_by = timezone.now(), request.user
        super().save_model(request, obj, form, change)


@admin.register(Rsvp)
class RsvpAdmin(admin.ModelAdmin):
    list_display = ["event", "user", "status", "updated_at"]
    list_filter = ["status"]
    search_fields = ["user__email", "event__title"]
    raw_id_fields = ["event", "user"]


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    """The rules, for reading: their dates are events, edited as events."""

    list_display = ["__str__", "group", "anchor", "until", "count"]
    raw_id_fields = ["group", "created_by"]
    readonly_fields = [
        "frequency", "interval", "monthly_by", "until", "count", "timezone",
        "anchor", "created_at",
    ]  # fmt: skip
