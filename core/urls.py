from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("dev/mail/", views.dev_mailbox, name="dev_mailbox"),
]
