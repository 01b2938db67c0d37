"""The site's URLs plus one view that fails, for the error-report tests."""

from django.urls import path

from config.urls import urlpatterns as site_urlpatterns


def broken(request):
    raise RuntimeError("the view broke")


urlpatterns = [*site_urlpatterns, path("fail/", broken)]
handler500 = "core.errors.server_error"
