from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("dev/mail/", views.dev_mailbox, name="dev_mailbox"),
    path("staff/status/", views.staff_status, name="staff_status"),
]
