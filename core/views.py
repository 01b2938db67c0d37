from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import devmail
from .redirects import safe_next


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers a query, 503 otherwise (for load balancers)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse(
            "database unavailable\n", status=503, content_type="text/plain"
        )
    return HttpResponse("ok\n", content_type="text/plain")


@never_cache
@require_safe
def dev_mailbox(request: HttpRequest) -> HttpResponse:
    """The demo's outgoing email, with clickable links; absent without DEBUG."""
    if not settings.DEBUG:
        raise Http404("There is no mailbox page outside the demo.")
    mails, count = devmail.newest()
    ctx = {"mails": mails, "count": count, "folder": settings.MAIL_FILE_DIR}
    return render(request, "core/dev_mailbox.html", ctx)


@require_safe
def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin has no password form: staff sign in with an emailed link too.

    The admin sends anyone it refuses here, signed in or not. Someone signed in
    without staff rights would go to the sign-in page, which sends signed-in
    people on to `next`, the admin, which sends them back here: a loop. They
    get a 403 saying what the admin is for instead.
    """
    user = request.user
    if user.is_authenticated and not (user.is_active and user.is_staff):
        raise PermissionDenied(
            _(
                "The admin is for staff only. You are signed in, but your "
                "account is not a staff account."
            )
        )
    target = safe_next(request.GET.get("next"), default=reverse("admin:index"))
    return redirect(f"{reverse('accounts:signin')}?{urlencode({'next': target})}")
