from django.urls import path

from . import apidocs, link_views, views
from .api import api

app_name = "timepolls"

urlpatterns = [
    path("polls/", views.poll_list, name="list"),
    path("polls/new/", views.poll_create, name="create"),
    path("polls/<int:pk>/", views.poll_detail, name="detail"),
    path("polls/<int:pk>/answer/", views.answer, name="answer"),
    path("polls/<int:pk>/zone/", views.zone, name="zone"),
    path("polls/<int:pk>/times/add/", views.times_add, name="times_add"),
    path(
        "polls/<int:pk>/times/<int:time_id>/remove/",
        views.time_remove,
        name="time_remove",
    ),
    path("polls/<int:pk>/notify/", views.notify, name="notify"),
    path(
        "polls/<int:pk>/parties/<int:party_id>/resend/",
        views.link_resend,
        name="link_resend",
    ),
    path(
        "polls/<int:pk>/parties/<int:party_id>/revoke/",
        views.link_revoke,
        name="link_revoke",
    ),
    path("polls/<int:pk>/agree/", views.agree, name="agree"),
    path("polls/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("polls/<int:pk>/event/", views.event_create, name="event_create"),
    path("polls/<int:pk>/delete/", views.poll_delete, name="delete"),
    path("polls/<int:pk>/log/", views.log, name="log"),
    path("p/<str:token>/", link_views.link, name="link"),
    path("p/<str:token>/answer/", link_views.link_answer, name="link_answer"),
    path("p/<str:token>/zone/", link_views.link_zone, name="link_zone"),
    path("p/<str:token>/log/", link_views.link_log, name="link_log"),
    path("p/<str:token>/new-link/", link_views.link_request, name="link_request"),
    path("api/v1/docs/", apidocs.docs, name="api_docs"),
    path("api/v1/", api.urls),
]
