from django.urls import path

from . import views

app_name = "unconference"

P = "events/<int:pk>/unconference/"

urlpatterns = [
    path(P, views.session_list, name="sessions"),
    path(f"{P}setup/", views.setup, name="setup"),
    path(f"{P}settings/", views.settings_view, name="settings"),
    path(f"{P}rooms/", views.rooms, name="rooms"),
    path(f"{P}rooms/<int:room_id>/edit/", views.room_edit, name="room_edit"),
    path(f"{P}rooms/<int:room_id>/delete/", views.room_delete, name="room_delete"),
    path(f"{P}slots/", views.slots, name="slots"),
    path(f"{P}slots/<int:slot_id>/edit/", views.slot_edit, name="slot_edit"),
    path(f"{P}slots/<int:slot_id>/delete/", views.slot_delete, name="slot_delete"),
    path(f"{P}propose/", views.propose, name="propose"),
    path(f"{P}interest/", views.interest, name="interest"),
    path(f"{P}sessions/<int:session_id>/", views.session_detail, name="session"),
    path(
        f"{P}sessions/<int:session_id>/edit/", views.session_edit, name="session_edit"
    ),
    path(
        f"{P}sessions/<int:session_id>/withdraw/",
        views.session_withdraw,
        name="session_withdraw",
    ),
    path(
        f"{P}sessions/<int:session_id>/placement/",
        views.session_place,
        name="session_place",
    ),
    path(f"{P}schedule/", views.schedule, name="schedule"),
    path(f"{P}schedule/run/", views.run_start, name="run_start"),
    path(f"{P}schedule/runs/<int:run_id>/", views.run_detail, name="run"),
    path(
        f"{P}schedule/runs/<int:run_id>/publish/",
        views.run_publish,
        name="run_publish",
    ),
    path(f"{P}schedule/runs/<int:run_id>/move/", views.run_move, name="run_move"),
    path(f"{P}timetable/", views.timetable_view, name="timetable"),
    path(f"{P}agenda/", views.agenda, name="agenda"),
    path(f"{P}agenda.ics", views.agenda_ics, name="agenda_ics"),
    path(
        "calendar/<str:token>/unconference-<int:pk>.ics",
        views.agenda_feed,
        name="agenda_feed",
    ),
]
