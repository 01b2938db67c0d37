from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from core.views import admin_login

urlpatterns = [
    path("", include("core.urls")),
    path("accounts/", include("accounts.urls")),
    path("", include("events.urls")),
    path("", include("unconference.urls")),
    path("events/<int:pk>/comments/", include("comments.urls")),
    path("", include("notifications.urls")),
    path("", include("mailings.urls")),
    path("groups/", include("groups.urls")),
    path("", include("timepolls.urls")),
    path("groups/<slug:slug>/roulette/", include("roulette.urls")),
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
    # Uploaded images, with DEBUG on only (`make run`); nginx serves them in
    # production (docs/deploy.md). Empty when DEBUG is off.
    *static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT),
]

handler400 = "core.errors.bad_request"
handler403 = "core.errors.permission_denied"
handler404 = "core.errors.page_not_found"
handler500 = "core.errors.server_error"
