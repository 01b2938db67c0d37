from django.contrib import admin

from .models import Comment, Follow


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["event", "author", "created_at", "parent", "hidden_at"]
    list_filter = ["hidden_at"]
    search_fields = ["body", "author__email", "event__title"]
    raw_id_fields = ["event", "author", "parent", "hidden_by"]
    readonly_fields = ["created_at", "edited_at"]
    date_hierarchy = "created_at"


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ["event", "user", "created_at"]
    search_fields = ["user__email", "event__title"]
    raw_id_fields = ["event", "user"]
