from django.urls import path

from . import views

app_name = "groups"

urlpatterns = [
    path("<slug:slug>/join/", views.join, name="join"),
    path("<slug:slug>/leave/", views.leave, name="leave"),
    path("<slug:slug>/members/", views.members, name="members"),
    path("<slug:slug>/members.csv", views.members_csv, name="members_csv"),
    path("<slug:slug>/settings/", views.settings_page, name="settings"),
    path("<slug:slug>/invite/", views.invite, name="invite"),
    path("<slug:slug>/logo/", views.logo, name="logo"),
    path("<slug:slug>/logo/remove/", views.logo_remove, name="logo_remove"),
    path("<slug:slug>/export/", views.export, name="export"),
    path("<slug:slug>/take-along/", views.take_along, name="take_along"),
    path("<slug:slug>/owners/add/", views.owner_add, name="owner_add"),
    path(
        "<slug:slug>/owners/<int:user_id>/remove/",
        views.owner_remove,
        name="owner_remove",
    ),
]
