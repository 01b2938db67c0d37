from django.contrib import admin

from .models import AuditEntry, Party, Poll, PollTime


class PollTimeInline(admin.TabularInline):
    model = PollTime
    extra = 0
    fields = readonly_fields = ("start",)
    can_delete = False
    max_num = 0


class PartyInline(admin.TabularInline):
    model = Party
    extra = 0
    fields = readonly_fields = (
        "name",
        "email",
        "is_organiser",
        "notified_at",
        "answered_at",
    )
    can_delete = False
    max_num = 0


@admin.register(Poll)
class PollAdmin(admin.ModelAdmin):
    """Polls change through the site (every action is audited), not here."""

    list_display = ["title", "organiser", "status", "deadline", "created_at"]
    list_filter = ["status"]
    search_fields = ["title", "organiser__email"]
    inlines = [PollTimeInline, PartyInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Poll._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only, here as everywhere."""

    list_display = ["at", "poll_title", "poll_id", "action", "via", "actor_label"]
    list_filter = ["action", "via", "actor_kind"]
    search_fields = ["poll_title", "actor_label"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
