from django.urls import path

from . import views, webhooks

app_name = "notifications"

urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("webhooks/sendgrid/", webhooks.sendgrid_events, name="sendgrid_webhook"),
]
