from django.contrib import admin

from .models import (
    Pairing,
    PairingMember,
    Participant,
    PartnerBlock,
    RouletteSettings,
    Round,
    SatOut,
)


@admin.register(RouletteSettings)
class RouletteSettingsAdmin(admin.ModelAdmin):
    list_display = ["group", "enabled", "minutes", "announce_weekday", "announce_hour"]
    list_filter = ["enabled"]
    raw_id_fields = ["group"]


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ["membership", "opted_in", "timezone", "skip_week"]
    list_filter = ["opted_in"]
    search_fields = ["membership__user__email", "membership__group__slug"]
    raw_id_fields = ["membership"]


@admin.register(PartnerBlock)
class PartnerBlockAdmin(admin.ModelAdmin):
    list_display = ["group", "blocker", "blocked", "created_at"]
    raw_id_fields = ["group", "blocker", "blocked"]


class PairingMemberInline(admin.TabularInline):
    model = PairingMember
    extra = 0
    raw_id_fields = ["user"]


class SatOutInline(admin.TabularInline):
    model = SatOut
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ["group", "iso_week", "seed", "created_at"]
    search_fields = ["group__slug", "iso_week"]
    raw_id_fields = ["group"]
    inlines = [SatOutInline]


@admin.register(Pairing)
class PairingAdmin(admin.ModelAdmin):
    list_display = ["uid", "start", "status", "sequence"]
    list_filter = ["status"]
    search_fields = ["uid"]
    raw_id_fields = ["round"]
    inlines = [PairingMemberInline]
