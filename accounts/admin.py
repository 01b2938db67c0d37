from django.contrib import admin

from .models import ApiToken, User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "timezone", "email_verified_at", "is_staff"]
    list_filter = ["is_staff", "is_active"]
    search_fields = ["email", "name"]
    ordering = ["email"]
    readonly_fields = ["date_joined", "last_login"]
    fields = [
        "email",
        "name",
        "timezone",
        "email_verified_at",
        "is_active",
        "is_staff",
        "is_superuser",
        "date_joined",
        "last_login",
    ]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "hint", "created_at", "last_used_at", "revoked_at"]
    search_fields = ["name", "user__email"]
    readonly_fields = [
        "user",
        "name",
        "token_hash",
        "hint",
        "created_at",
        "last_used_at",
    ]
    fields = [*readonly_fields, "revoked_at"]

    def has_add_permission(self, request):
        return False
