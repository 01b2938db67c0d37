"""What the poll page shows, shared by the signed-in page and the private link."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.forms import BaseForm, ModelChoiceField
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from notifications.outbox import not_emailed

from . import services
from . import tally as tallies
from . import times as poll_times
from .access import PollAccess
from .forms import (
    AddTimesForm,
    AnswerForm,
    CancelForm,
    EventFromPollForm,
    VersionForm,
    ZoneForm,
)
from .models import PartyLink, Poll


def viewer_zone(access: PollAccess, user: User | AnonymousUser) -> str:
    if access.party is not None:
        return access.party.timezone
    return getattr(user, "timezone", None) or access.poll.timezone


def answer_form(
    access: PollAccess,
    current: tallies.Tally,
    zone: str,
    data: QueryDict | None = None,
) -> AnswerForm:
    labels = {t.pk: poll_times.format_time(t.start, zone) for t in current.times}
    initial: dict[str, Any] = {"version": access.poll.version}
    if access.party is not None:
        mine = current.answers.get(access.party.pk, {})
        initial.update({f"time_{pk}": choice for pk, choice in mine.items()})
        initial["comment"] = access.party.comment
    return AnswerForm(data, times=current.times, labels=labels, initial=initial)


def poll_context(
    access: PollAccess,
    *,
    user: User | AnonymousUser,
    link_token: str = "",
    **forms: BaseForm,
) -> dict[str, Any]:
    poll = access.poll
    zone = viewer_zone(access, user)
    current = tallies.build(poll)
    for time in current.times:
        time.when, time.where = poll_times.format_parts(time.start, zone)
        time.label = f"{time.when} {time.where}"
    ctx = {
        "poll": poll,
        "access": access,
        "zone": zone,
        "tally": current,
        "rows": current.rows,
        "agreed_label": poll_times.format_time(poll.agreed_time.start, zone)
        if poll.agreed_time
        else "",
        "deadline_label": poll_times.format_time(poll.deadline, zone)
        if poll.deadline
        else "",
        "comments": [p for p in current.parties if p.comment],
        "urls": _urls(poll, link_token),
        "link_token": link_token,
    }
    if access.party is not None and poll.accepts_answers:
        ctx["answer_form"] = forms.get("answer_form") or answer_form(
            access, current, zone
        )
    if access.party is not None:
        ctx["zone_form"] = ZoneForm(initial={"timezone": zone})
    if access.is_organiser and user.is_authenticated:  # organisers are signed in
        ctx.update(_organiser_context(poll, current, user, zone, forms))
    return ctx


def _urls(poll: Poll, token: str) -> dict[str, str]:
    if token:
        return {
            "answer": reverse("timepolls:link_answer", kwargs={"token": token}),
            "zone": reverse("timepolls:link_zone", kwargs={"token": token}),
            "log": reverse("timepolls:link_log", kwargs={"token": token}),
        }
    return {
        "answer": reverse("timepolls:answer", kwargs={"pk": poll.pk}),
        "zone": reverse("timepolls:zone", kwargs={"pk": poll.pk}),
        "log": reverse("timepolls:log", kwargs={"pk": poll.pk}),
    }


def _organiser_context(
    poll: Poll,
    current: tallies.Tally,
    user: User,
    zone: str,
    forms: dict[str, BaseForm],
) -> dict[str, Any]:
    latest: dict[int, PartyLink] = {}
    for link in PartyLink.objects.filter(party__poll=poll).order_by("-created_at"):
        latest.setdefault(link.party_id, link)
    reasons = not_emailed(p.email for p in current.parties if not p.is_organiser)
    for party in current.parties:
        party.latest_link = latest.get(party.pk)
        party.has_answered = current.answered(party)
        party.not_emailed = "" if party.is_organiser else reasons.get(party.email, "")
    version = {"version": poll.version}
    ctx = {
        "parties": current.parties,
        "unnotified": sum(
            1
            for p in current.parties
            if not p.is_organiser and not p.notified_at and not p.not_emailed
        ),
        "cancel_form": forms.get("cancel_form") or CancelForm(initial=version),
    }
    if poll.is_open:
        # Times to add are read in the organiser's zone, the one they see.
        ctx["add_form"] = forms.get("add_form") or AddTimesForm(
            initial={**version, "timezone": zone}
        )
    if poll.status == Poll.Status.AGREED and not poll.event_id:
        event_form = EventFromPollForm(user=user)
        groups = cast(ModelChoiceField, event_form.fields["group"]).queryset
        if groups is not None and groups.exists():
            ctx["event_form"] = event_form
    return ctx


def _back(access: PollAccess, link_token: str) -> str:
    if link_token:
        return reverse("timepolls:link", kwargs={"token": link_token})
    return access.poll.get_absolute_url()


def answer_response(
    request: HttpRequest, access: PollAccess, *, link_token: str = ""
) -> HttpResponse:
    """Save a party's answers from the poll page (signed in or by link)."""
    if access.party is None:
        raise PermissionDenied(_("Only the poll's parties answer it."))
    poll = access.poll
    seen = VersionForm(request.POST)
    if not seen.is_valid() or seen.cleaned_data["version"] != poll.version:
        messages.error(
            request,
            _("The times changed while you were answering. Check them and save again."),
        )
        return redirect(_back(access, link_token))
    current = tallies.build(poll)
    form = answer_form(access, current, viewer_zone(access, request.user), request.POST)
    if not form.is_valid():
        ctx = poll_context(
            access, user=request.user, link_token=link_token, answer_form=form
        )
        return render(request, "timepolls/detail.html", ctx, status=400)
    try:
        changed = services.answers_set(
            poll=poll, party=access.party, actor=access.actor, choices=form.choices(),
            comment=form.cleaned_data["comment"], expected_version=poll.version,
        )  # fmt: skip
    except services.PollError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("Your answers are saved.") if changed else _("Nothing changed.")
        )
    return redirect(_back(access, link_token))


def zone_response(
    request: HttpRequest, access: PollAccess, *, link_token: str = ""
) -> HttpResponse:
    """Remember the zone a party sees the times in."""
    if access.party is None:
        raise PermissionDenied(_("Only the poll's parties choose a zone for it."))
    form = ZoneForm(request.POST)
    if form.is_valid():
        services.party_zone_set(
            party=access.party, tz=form.cleaned_data["timezone"], actor=access.actor
        )
        messages.success(
            request,
            _("Times are shown in %(zone)s.") % {"zone": access.party.timezone},
        )
    else:
        messages.error(request, " ".join(str(e) for e in form.errors["timezone"]))
    return redirect(_back(access, link_token))
