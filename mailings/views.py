from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from accounts.http import AuthenticatedHttpRequest
from core import ratelimit
from groups.access import get_group_for_owner
from groups.models import Membership
from notifications import email
from notifications.models import OptOut

from . import services
from .forms import MailingForm, PreferencesForm
from .models import Mailing


def _draft_for_owner(request: AuthenticatedHttpRequest, slug: str, pk: int) -> Mailing:
    group = get_group_for_owner(request, slug)
    return get_object_or_404(
        Mailing.objects.select_related("group", "event", "author"),
        pk=pk, group=group, queued_at__isnull=True,
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def mailing_new(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    group = get_group_for_owner(request, slug)
    initial = {
        "audience": request.GET.get("audience"),
        "event": request.GET.get("event"),
    }
    form = MailingForm(request.POST or None, group=group, initial=initial)
    if request.method == "POST" and form.is_valid():
        mailing = form.save(commit=False)
        mailing.group, mailing.author = group, request.user
        mailing.save()
        return redirect("mailings:preview", slug=group.slug, pk=mailing.pk)
    return render(request, "mailings/compose.html", {"group": group, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def mailing_edit(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    mailing = _draft_for_owner(request, slug, pk)
    form = MailingForm(request.POST or None, instance=mailing, group=mailing.group)
    if request.method == "POST" and form.is_valid():
        form.save()
        return redirect("mailings:preview", slug=slug, pk=mailing.pk)
    ctx = {"group": mailing.group, "form": form, "mailing": mailing}
    return render(request, "mailings/compose.html", ctx)


@login_required
@require_safe
def mailing_preview(
    request: AuthenticatedHttpRequest, slug: str, pk: int
) -> HttpResponse:
    """A draft's preview with its send buttons, or a sent message with its counts."""
    group = get_group_for_owner(request, slug)
    sent = services.mailing_sent(group=group, pk=pk)
    if sent is not None:
        return render(request, "mailings/sent.html", {"group": group, "mailing": sent})
    mailing = _draft_for_owner(request, slug, pk)
    rendered = email.render_mailing(mailing, example_unsubscribe=True)
    ctx = {
        "group": mailing.group,
        "mailing": mailing,
        "rendered": rendered,
        "count": services.audience_count(
            group=mailing.group, audience=mailing.audience, event=mailing.event
        ),
    }
    return render(request, "mailings/preview.html", ctx)


@login_required
@require_POST
def mailing_test(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    mailing = _draft_for_owner(request, slug, pk)
    if not ratelimit.take(f"mailing-test:{request.user.pk}", capacity=10, period=3600):
        messages.error(request, _("Too many test emails. Please wait a while."))
        return redirect("mailings:preview", slug=slug, pk=mailing.pk)
    email.send_mailing_test(mailing=mailing, to=request.user)
    messages.success(
        request, _("A test is on its way to %(email)s.") % {"email": request.user.email}
    )
    return redirect("mailings:preview", slug=slug, pk=mailing.pk)


@login_required
@require_POST
def mailing_send(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    group = get_group_for_owner(request, slug)
    mailing = get_object_or_404(Mailing, pk=pk, group=group)
    if mailing.queued_at is not None:
        messages.info(request, _("This message was sent already; here it is."))
        return redirect("mailings:history", slug=slug)
    if not ratelimit.take(f"mailing:{mailing.group_id}", capacity=20, period=86400):
        messages.error(
            request,
            _("This group has sent 20 messages today. Please send it tomorrow."),
        )
        return redirect("mailings:preview", slug=slug, pk=mailing.pk)
    if not services.mailing_queue(mailing=mailing):
        messages.info(request, _("This message was sent already; here it is."))
        return redirect("mailings:history", slug=slug)
    count = mailing.recipient_count
    messages.success(
        request,
        ngettext(
            "Your message is queued for %(count)s recipient.",
            "Your message is queued for %(count)s recipients.",
            count,
        )
        % {"count": count},
    )
    return redirect("mailings:history", slug=slug)


@login_required
@require_safe
def mailing_history(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    group = get_group_for_owner(request, slug)
    ctx = {"group": group, "mailings": services.mailing_history(group=group)}
    return render(request, "mailings/history.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    memberships = list(
        Membership.objects.filter(user=request.user)
        .select_related("group")
        .order_by("group__name")
    )
    opted_out = set(
        OptOut.objects.filter(user=request.user).values_list("group_id", "topic")
    )
    form = PreferencesForm(
        request.POST or None, memberships=memberships, opted_out=opted_out
    )
    if request.method == "POST" and form.is_valid():
        unwanted = []
        with transaction.atomic():
            for group_id, topic, wanted in form.choices():
                if wanted:
                    OptOut.objects.filter(
                        user=request.user, group_id=group_id, topic=topic
                    ).delete()
                else:
                    unwanted.append(
                        OptOut(user=request.user, group_id=group_id, topic=topic)
                    )
            # Two saves at once (two tabs, a double click) may both insert the
            # same row: ON CONFLICT DO NOTHING makes the second a no-op, where
            # get_or_create raised IntegrityError if the row was deleted again
            # between its failed insert and its second look.
            OptOut.objects.bulk_create(unwanted, ignore_conflicts=True)
        messages.success(request, _("Your email preferences are saved."))
        return redirect("mailings:preferences")
    return render(request, "mailings/preferences.html", {"form": form})
