from django.contrib import admin

from .models import Interest, Room, ScheduleRun, Session, Slot, Unconference


class RoomInline(admin.TabularInline):
    model = Room
    extra = 0


class SlotInline(admin.TabularInline):
    model = Slot
    extra = 0


@admin.register(Unconference)
class UnconferenceAdmin(admin.ModelAdmin):
    list_display = ["event", "enabled", "proposals_open", "interest_open"]
    list_filter = ["enabled"]
    raw_id_fields = ["event", "published_run"]
    inlines = [RoomInline, SlotInline]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["title", "unconference", "proposer", "pinned_slot", "created_at"]
    search_fields = ["title", "proposer__email"]
    raw_id_fields = ["unconference", "proposer", "pinned_slot", "pinned_room"]
    readonly_fields = ["title_key"]
    filter_horizontal = ["unavailable_slots", "excluded_slots"]


@admin.register(Interest)
class InterestAdmin(admin.ModelAdmin):
    list_display = ["session", "user", "level", "updated_at"]
    list_filter = ["level"]
    raw_id_fields = ["session", "user"]


@admin.register(ScheduleRun)
class ScheduleRunAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "unconference",
        "status",
        "utility",
        "upper_bound",
        "created_at",
    ]
    list_filter = ["status"]
    raw_id_fields = [
        "unconference", "requested_by", "adjusted_from", "previous_run", "based_on",
    ]  # fmt: skip
    readonly_fields = ["created_at", "started_at", "finished_at", "published_at"]
