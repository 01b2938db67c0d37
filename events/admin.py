from django.contrib import admin

from .models import Event, Rsvp, Series


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "group", "start", "timezone", "status", "capacity"]
    list_filter = ["status"]
    search_fields = ["title", "group__name"]
    raw_id_fields = ["group", "series"]
    # Cancelling tells the people attending and withdraws their invitations:
    # it is done on the event's page, which staff can open for every group.
    readonly_fields = [
        "uid", "sequence", "status", "cancel_message",
        "created_by", "created_at", "updated_by", "updated_at",
    ]  # fmt: skip
    date_hierarchy = "start"

    def save_model(self, request, obj, form, change) -> None:
        """A change goes through `services.event_update`, as an owner's edit
        on the site: a change of what calendars show raises the SEQUENCE and
        sends the people attending an updated invitation; a larger capacity
        moves people up from the waiting list."""
        if not change:
            obj.created_by = obj.updated_by = request.user
            super().save_model(request, obj, form, change)
            return
        # Imported here: every process imports the admin modules at start,
        # and the services bring the email and calendar code with them.
        from .services import event_update

        changed = {name: form.cleaned_data[name] for name in form.changed_data}
        event_update(event=obj, by=request.user, **changed)


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
