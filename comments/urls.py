from django.urls import path

from . import views

app_name = "comments"

# Under events/<pk>/comments/ (config/urls.py).
urlpatterns = [
    path("", views.comment_list, name="list"),
    path("new/", views.comment_create, name="create"),
    path("follow/", views.follow, name="follow"),
    path("unfollow/", views.unfollow, name="unfollow"),
    path("<int:comment_id>/", views.thread, name="thread"),
    path("<int:comment_id>/reply/", views.reply, name="reply"),
    path("<int:comment_id>/edit/", views.comment_edit, name="edit"),
    path("<int:comment_id>/delete/", views.comment_delete, name="delete"),
    path("<int:comment_id>/hide/", views.comment_hide, name="hide"),
    path("<int:comment_id>/unhide/", views.comment_unhide, name="unhide"),
]
