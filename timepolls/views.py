"""Pages for signed-in people: my polls, a poll, the organiser's actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from accounts.http import AuthenticatedHttpRequest

from . import pages, services
from . import times as poll_times
from .access import PollAccess, poll_for_organiser, poll_for_person, web_actor
from .forms import (
    AddTimesForm,
    AgreeForm,
    CancelForm,
    EventFromPollForm,
    PollForm,
    SlotsForm,
    VersionForm,
    slot_rows,
)
from .models import AuditEntry, Party, Poll, PollTime

POLLS_PER_PAGE = 20
LOG_PER_PAGE = 50


@login_required
@require_safe
def poll_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    qs = (
        Poll.objects.for_person(request.user)
        .select_related("organiser", "agreed_time")
        .annotate(
            n_parties=Count("parties", distinct=True),
            n_times=Count("times", distinct=True),
        )
        .order_by("-created_at", "-pk")
    )
    page = Paginator(qs, POLLS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "timepolls/list.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def poll_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    initial = {"timezone": request.user.timezone, "duration_minutes": 60}
    if request.method == "POST" and "generate" in request.POST:
        return _generate(request)
    if request.method == "POST" and "add_row" in request.POST:
        # "Add another time" without JavaScript: show it all again, one row more.
        form = PollForm.retyped(request.POST, user=request.user)
        ctx = {"form": form, "slots_form": SlotsForm(initial=initial)}
        return render(request, "timepolls/create.html", _create_ctx(ctx))
    form = PollForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            poll = services.poll_create(
                organiser=request.user, actor=web_actor(request),
                title=data["title"], description=data["description"],
                location=data["location"], duration_minutes=data["duration_minutes"],
                tz=data["timezone"], times=data["times"], deadline=data["deadline"],
                parties=data["parties"],
            )  # fmt: skip
        except services.PollError as error:
            # Only typed-in addresses can be new ones.
            field = "emails" if error.code == "new_address_limit" else None
            form.add_error(field, str(error))
        else:
            messages.success(request, _("The poll is created."))
            if data["send_now"]:
                # The poll stands even if the links cannot go out yet; the
                # page then offers to send them.
                return _notified(
                    request, poll,
                    lambda: services.poll_notify(poll=poll, actor=web_actor(request)),
                )  # fmt: skip
            return redirect(poll)
    ctx = {"form": form, "slots_form": SlotsForm(initial=initial)}
    status = 400 if form.is_bound else 200
    return render(request, "timepolls/create.html", _create_ctx(ctx), status=status)


def _generate(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The slot helper: add rows for a window and an interval."""
    slots = SlotsForm(request.POST)
    more = []
    if slots.is_valid():
        data = slots.cleaned_data
        more = slot_rows(data["slots"], data["timezone"])
    form = PollForm.retyped(request.POST, user=request.user, more=more)
    ctx = {"form": form, "slots_form": slots, "generated": slots.is_valid()}
    status = 200 if slots.is_valid() else 400
    return render(request, "timepolls/create.html", _create_ctx(ctx), status=status)


def _create_ctx(ctx: dict[str, Any]) -> dict[str, Any]:
    return {**ctx, "rows": ctx["form"].rows}


@login_required
@require_safe
def poll_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    access = poll_for_person(request, pk)
    services.poll_view(poll=access.poll, actor=access.actor)
    ctx = pages.poll_context(access, user=request.user)
    return render(request, "timepolls/detail.html", ctx)


@login_required
@require_POST
def answer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return pages.answer_response(request, poll_for_person(request, pk))


@login_required
@require_POST
def zone(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return pages.zone_response(request, poll_for_person(request, pk))


def _done(
    request: HttpRequest, poll: Poll, action: Callable[[], object], success: str
) -> HttpResponse:
    """Run a service call; show its refusal or `success` on the poll page."""
    try:
        action()
    except services.PollError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return redirect(poll)


def _notified(
    request: HttpRequest, poll: Poll, notify: Callable[[], services.Notified]
) -> HttpResponse:
    """Send links; say so, and name the parties who were not emailed and why."""
    try:
        result = notify()
    except services.PollError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The private links are on their way."))
        if result.note:
            messages.warning(request, result.note)
    return redirect(poll)


@login_required
@require_POST
def times_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    access = poll_for_organiser(request, pk)
    if "add_row" in request.POST:
        # "Add another time" without JavaScript: show it all again, one row more.
        form = AddTimesForm.retyped(request.POST)
        ctx = pages.poll_context(access, user=request.user, add_form=form)
        return render(request, "timepolls/detail.html", ctx)
    existing = access.poll.times.values_list("start", flat=True)
    form = AddTimesForm(request.POST, existing=existing)
    if not form.is_valid():
        # The form is at the foot of a long page, which opens at its head.
        messages.error(request, _("No times were added: see “Add times” below."))
        ctx = pages.poll_context(access, user=request.user, add_form=form)
        return render(request, "timepolls/detail.html", ctx, status=400)
    data = form.cleaned_data
    return _done(
        request,
        access.poll,
        lambda: services.times_add(
            poll=access.poll,
            actor=access.actor,
            times=data["times"],
            expected_version=data["version"],
        ),  # fmt: skip
        _("The times are added; parties who had answered are told."),
    )


@login_required
@require_POST
def time_remove(
    request: AuthenticatedHttpRequest, pk: int, time_id: int
) -> HttpResponse:
    access = poll_for_organiser(request, pk)
    time = get_object_or_404(PollTime, pk=time_id, poll=access.poll)
    form = VersionForm(request.POST)
    version = form.cleaned_data["version"] if form.is_valid() else -1
    return _done(
        request,
        access.poll,
        lambda: services.time_remove(
            poll=access.poll, time=time, actor=access.actor, expected_version=version
        ),
        _("The time is removed."),
    )


@login_required
@require_POST
def notify(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    access = poll_for_organiser(request, pk)
    return _notified(
        request,
        access.poll,
        lambda: services.poll_notify(poll=access.poll, actor=access.actor),
    )


def _party(access: PollAccess, party_id: int) -> Party:
    return get_object_or_404(Party, pk=party_id, poll=access.poll)


@login_required
@require_POST
def link_resend(
    request: AuthenticatedHttpRequest, pk: int, party_id: int
) -> HttpResponse:
    access = poll_for_organiser(request, pk)
    party = _party(access, party_id)
    party.poll = access.poll
    return _done(
        request,
        access.poll,
        lambda: services.party_link_reissue(party=party, actor=access.actor),
        _("A new link is on its way to %(name)s; the old one no longer works.")
        % {"name": party.name},
    )


@login_required
@require_POST
def link_revoke(
    request: AuthenticatedHttpRequest, pk: int, party_id: int
) -> HttpResponse:
    access = poll_for_organiser(request, pk)
    party = _party(access, party_id)
    party.poll = access.poll
    return _done(
        request,
        access.poll,
        lambda: services.party_link_revoke(party=party, actor=access.actor),
        f"{party.name}'s link no longer works.",
    )


@login_required
@require_POST
def agree(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    access = poll_for_organiser(request, pk)
    form = AgreeForm(request.POST, poll=access.poll)
    if not form.is_valid():
        errors = form.errors.get("time", [_("Choose a time.")])
        messages.error(request, " ".join(str(e) for e in errors))
        return redirect(access.poll)
    data = form.cleaned_data
    try:
        services.poll_agree(
            poll=access.poll, time=data["time"], actor=access.actor,
            confirm=data["confirm"], expected_version=data["version"],
        )  # fmt: skip
    except services.NeedsConfirmationError as error:
        label = poll_times.format_time(data["time"].start, access.poll.timezone)
        ctx = {"poll": access.poll, "form": form, "reason": str(error), "label": label}
        return render(request, "timepolls/agree_confirm.html", ctx, status=409)
    except services.PollError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("The time is agreed; every party gets an invitation.")
        )
    return redirect(access.poll)


@login_required
@require_http_methods(["GET", "POST"])
def cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    access = poll_for_organiser(request, pk)
    form = CancelForm(request.POST or None, initial={"version": access.poll.version})
    if request.method == "POST" and form.is_valid():
        return _done(
            request,
            access.poll,
            lambda: services.poll_cancel(
                poll=access.poll,
                actor=access.actor,
                message=form.cleaned_data["message"],
                expected_version=form.cleaned_data["version"],
            ),  # fmt: skip
            _("The poll is cancelled; the parties are told."),
        )
    ctx = {"poll": access.poll, "form": form}
    return render(request, "timepolls/cancel.html", ctx)


@login_required
@require_POST
def event_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    access = poll_for_organiser(request, pk)
    form = EventFromPollForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("Choose one of the groups you own."))
        return redirect(access.poll)
    try:
        event = services.poll_event_create(
            poll=access.poll, group=form.cleaned_data["group"], actor=access.actor
        )
    except services.PollError as error:
        messages.error(request, str(error))
        return redirect(access.poll)
    messages.success(request, _("The event is created from the poll."))
    return redirect(event)


@login_required
@require_http_methods(["GET", "POST"])
def poll_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    access = poll_for_organiser(request, pk)
    if request.method == "POST":
        services.poll_delete(poll=access.poll, actor=access.actor)
        messages.success(request, _("The poll is deleted; its log is kept."))
        return redirect("timepolls:list")
    return render(request, "timepolls/delete.html", {"poll": access.poll})


@login_required
@require_safe
def log(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    access = poll_for_person(request, pk)
    return render(request, "timepolls/log.html", log_context(request, access.poll))


def log_context(
    request: HttpRequest, poll: Poll, *, link_token: str = ""
) -> dict[str, Any]:
    entries = AuditEntry.objects.filter(poll_id=poll.pk).order_by("-at", "-pk")
    page = Paginator(entries, LOG_PER_PAGE).get_page(request.GET.get("page"))
    return {"poll": poll, "page": page, "link_token": link_token}
