from django.urls import path

from . import views, webhooks

app_name = "notifications"

urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("staff/status/", views.staff_status, name="staff_status"),
    path("webhooks/sendgrid/", webhooks.sendgrid_events, name="sendgrid_webhook"),
]
