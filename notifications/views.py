from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from .models import Delivery, OptOut, Suppression
from .status import MAX_DUE_WAIT, MAX_HEARTBEAT_AGE, age_text, status_report
from .unsubscribe import read_token


@csrf_exempt  # RFC 8058: mail clients POST one-click unsubscribes without a form
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a confirmation (scanners open links); POST unsubscribes."""
    delivery_id = read_token(token)
    delivery = (
        Delivery.objects.select_related("message__group", "user")
        .filter(pk=delivery_id)
        .first()
        if delivery_id
        else None
    )
    if delivery is None:
        return render(request, "notifications/unsubscribe_invalid.html", {}, status=400)
    message = delivery.message
    ctx = {
        "delivery": delivery,
        "group": message.group,
        "topic": message.get_topic_display(),
    }
    if request.method == "POST":
        _unsubscribe(delivery)
        return render(request, "notifications/unsubscribed.html", ctx)
    return render(request, "notifications/unsubscribe.html", ctx)


def _unsubscribe(delivery: Delivery) -> None:
    message = delivery.message
    if delivery.user_id and message.group_id and message.topic:
        OptOut.objects.get_or_create(
            user_id=delivery.user_id, group_id=message.group_id, topic=message.topic
        )
    else:
        Suppression.objects.get_or_create(
            email=delivery.email, defaults={"reason": Suppression.Reason.UNSUBSCRIBE}
        )


@login_required
@require_safe
@never_cache
def staff_status(request: HttpRequest) -> HttpResponse:
    """The operator's report of `manage.py status`, for staff only."""
    if not request.user.is_staff:
        raise Http404("No such page.")
    report = status_report()
    ctx = {
        "rows": report.lines(),
        "problems": report.problems(),
        "max_heartbeat_age": age_text(MAX_HEARTBEAT_AGE),
        "max_due_wait": age_text(MAX_DUE_WAIT),
    }
    return render(request, "notifications/status.html", ctx)
