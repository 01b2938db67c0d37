from django.contrib import admin

from .models import Delivery, Message, OptOut, Suppression, WebhookEvent

# Shown and read-only alike; a tuple suits both attributes' types.
DELIVERY_FIELDS = ("email", "status", "attempts", "sent_at", "last_error")


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    fields = DELIVERY_FIELDS
    readonly_fields = DELIVERY_FIELDS
    can_delete = False
    max_num = 0
    show_change_link = True


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["subject", "kind", "group", "transactional", "created_at"]
    list_filter = ["kind", "transactional"]
    search_fields = ["subject"]
    # The sealed link is never shown, not even sealed.
    exclude = ["secret"]
    readonly_fields = [f.name for f in Message._meta.fields if f.name != "secret"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["email", "message", "status", "attempts", "sent_at"]
    list_filter = ["status"]
    search_fields = ["email"]
    raw_id_fields = ["message", "user"]


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    list_display = ["email", "reason", "created_at"]
    list_filter = ["reason"]
    search_fields = ["email"]


admin.site.register(OptOut)
admin.site.register(WebhookEvent)
