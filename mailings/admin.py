from django.contrib import admin

from .models import Mailing


@admin.register(Mailing)
class MailingAdmin(admin.ModelAdmin):
    list_display = ["subject", "group", "audience", "recipient_count", "queued_at"]
    raw_id_fields = ["group", "event", "author", "message"]
