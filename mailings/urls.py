from django.urls import path

from . import views

app_name = "mailings"

urlpatterns = [
    path("groups/<slug:slug>/mailings/", views.mailing_history, name="history"),
    path("groups/<slug:slug>/mailings/new/", views.mailing_new, name="new"),
    path(
        "groups/<slug:slug>/mailings/<int:pk>/", views.mailing_preview, name="preview"
    ),
    path("groups/<slug:slug>/mailings/<int:pk>/edit/", views.mailing_edit, name="edit"),
    path("groups/<slug:slug>/mailings/<int:pk>/test/", views.mailing_test, name="test"),
    path("groups/<slug:slug>/mailings/<int:pk>/send/", views.mailing_send, name="send"),
    path("accounts/email-preferences/", views.preferences, name="preferences"),
]
