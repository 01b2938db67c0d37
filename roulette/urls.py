from django.urls import path

from . import views

app_name = "roulette"

# Included under groups/<slug:slug>/roulette/ (config/urls.py).
urlpatterns = [
    path("", views.home, name="home"),
    path("settings/", views.settings_page, name="settings"),
    path("join/", views.opt_in, name="opt_in"),
    path("leave/", views.opt_out, name="opt_out"),
    path("skip/", views.skip, name="skip"),
    path("unskip/", views.unskip, name="unskip"),
    path("availability/", views.availability, name="availability"),
    path("blocks/", views.block, name="block"),
    path("blocks/<int:user_id>/remove/", views.unblock, name="unblock"),
    path("pairings/<int:pk>/", views.pairing_detail, name="pairing"),
    path("pairings/<int:pk>/decline/", views.decline, name="decline"),
    path("pairings/<int:pk>/reschedule/", views.reschedule, name="reschedule"),
]
