"""Friendly error pages that keep the site's layout."""

from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _


def _error(request, status: int, title: str, message: str):
    ctx = {"status": status, "title": title, "message": message}
    return render(request, "core/error.html", ctx, status=status)


def bad_request(request, exception=None):
    return _error(
        request, 400, _("Bad request"), _("The request could not be understood.")
    )


def permission_denied(request, exception=None):
    message = (
        str(exception)
        if exception and str(exception)
        else _("You do not have permission to do that.")
    )
    return _error(request, 403, _("Not allowed"), message)


def page_not_found(request, exception=None):
    return _error(
        request, 404, _("Page not found"), _("There is nothing at this address.")
    )


def server_error(request):
    # Rendered without the request context: the failure may be in a context
    # processor or the database, so this page needs neither. It is in the
    # request's language, which LocaleMiddleware activated before the failure.
    html = loader.get_template("500.html").render({"site_name": "meetings"})
    return HttpResponseServerError(html)
