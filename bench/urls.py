"""The site's URLs plus a trivial view: the fastest page Django can serve here."""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.http import require_safe

from config.urls import (  # noqa: F401 (the error handlers)
    handler400,
    handler403,
    handler404,
    handler500,
)
from config.urls import (
    urlpatterns as site_urls,
)


@require_safe
def trivial(request):
    return HttpResponse("ok\n", content_type="text/plain")


urlpatterns = [path("bench/trivial/", trivial), *site_urls]
