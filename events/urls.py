from django.urls import path

from . import inbound, views

app_name = "events"

urlpatterns = [
    path("", views.home, name="home"),
    path("events/", views.event_list, name="list"),
    path("events/<int:pk>/", views.event_detail, name="detail"),
    path("events/<int:pk>/rsvp/", views.rsvp, name="rsvp"),
    path("events/<int:pk>/edit/", views.event_edit, name="edit"),
    path("events/<int:pk>/cancel/", views.event_cancel, name="cancel"),
    path("events/<int:pk>/duplicate/", views.event_duplicate, name="duplicate"),
    path("events/<int:pk>/cover/", views.event_cover, name="cover"),
    path(
        "events/<int:pk>/cover/remove/",
        views.event_cover_remove,
        name="cover_remove",
    ),
    path("events/<int:pk>/attendees/", views.attendees, name="attendees"),
    path("events/<int:pk>/attendees.csv", views.attendees_csv, name="attendees_csv"),
    path("events/<int:pk>/event.ics", views.event_ics, name="ics"),
    # A group's public pages list its events, so they are served here; the
    # membership pages (join, leave, members, settings) are in groups.
    path("groups/", views.group_list, name="group_list"),
    path("groups/<slug:slug>/", views.group_detail, name="group_detail"),
    path("groups/<slug:slug>/events/new/", views.event_create, name="create"),
    path("groups/<slug:slug>/events/import/", views.event_import, name="import"),
    path("groups/<slug:slug>/calendar.ics", views.group_feed, name="group_feed"),
    path("calendar/<str:token>.ics", views.personal_feed, name="personal_feed"),
    path("calendar/regenerate/", views.feed_regenerate, name="feed_regenerate"),
    # SendGrid's Inbound Parse: calendar replies that set RSVPs.
    path(
        "webhooks/sendgrid/inbound/", inbound.sendgrid_inbound, name="sendgrid_inbound"
    ),
]
