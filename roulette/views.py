from collections.abc import Container
from datetime import datetime
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from groups.access import can_manage, get_group_for_owner
from groups.models import Group, Membership
from notifications.models import OptOut, Suppression, Topic

from . import schedule, services
from .access import (
    get_pairing_for_participant,
    get_pairing_for_viewer,
    get_roulette_for_member,
    get_roulette_for_participant,
    settings_of,
)
from .forms import (
    DAYS,
    AvailabilityForm,
    PartnerForm,
    RescheduleForm,
    RouletteSettingsForm,
    slot_time,
)
from .models import Pairing, PairingMember, PartnerBlock, RouletteSettings, Round
from .pairing import iso_week_of


def _home(slug: str) -> HttpResponse:
    return redirect("roulette:home", slug=slug)


def _upcoming(
    group: Group, config: RouletteSettings, now: datetime
) -> tuple[str, datetime]:
    this_week = iso_week_of(now.date())
    paired = set(
        Round.objects.filter(group=group, iso_week__gte=this_week).values_list(
            "iso_week", flat=True
        )
    )
    return schedule.upcoming(config, tz=group.timezone, now=now, paired=paired)


def _week(blocks: Container[int]) -> list[dict[str, Any]]:
    """The seven days of the availability form, each with its 48 half-hours:
    (block, start, end, ticked)."""
    days = []
    for day, name in enumerate(DAYS):
        first = day * 48
        slots = [
            (first + n, slot_time(n), slot_time(n + 1), first + n in blocks)
            for n in range(48)
        ]
        days.append(
            {
                "number": day,
                "name": name,
                "short": WEEKDAYS_ABBR[day],
                "slots": slots,
            }
        )
    return days


def _pairings_ctx(user: User, group: Group) -> dict[str, Any]:
    """The viewer's pairings in the group, and whom they asked not to meet."""
    pairings = list(
        Pairing.objects.filter(round__group=group, seats__user=user)
        .select_related("round__group")
        .prefetch_related("seats__user")
        .order_by("-start", "-pk")
    )
    blocked = list(
        PartnerBlock.objects.filter(group=group, blocker=user)
        .select_related("blocked")
        .order_by("blocked__name")
    )
    return {
        "upcoming_pairings": [p for p in pairings if not p.is_past],
        "past_pairings": [p for p in pairings if p.is_past],
        "blocked": blocked,
        "blocked_ids": {b.blocked_id for b in blocked},
    }


def _home_ctx(
    request: AuthenticatedHttpRequest,
    group: Group,
    membership: Membership | None,
    config: RouletteSettings,
    form: AvailabilityForm | None = None,
) -> dict[str, Any]:
    now = timezone.now()
    week, announced_at = _upcoming(group, config, now)
    participant = services.participant_for(membership) if membership else None
    tz = participant.timezone if participant else request.user.timezone
    if form is None and participant is not None:
        form = AvailabilityForm(initial={"timezone": participant.timezone})
    chosen: Container[int] = participant.blocks if participant else frozenset()
    if form is not None and form.is_bound:
        # A bound form here was bound to request.POST.
        posted = cast(QueryDict, form.data).getlist("blocks")
        chosen = {int(b) for b in posted if b.isdigit()}
    return {
        "group": group,
        "config": config,
        "participant": participant,
        "is_owner": can_manage(request.user, group, membership=membership),
        "week": week,
        "week_dates": schedule.week_dates(week),
        "announced_at": announced_at,
        "announcement_passed": announced_at <= now,
        "skipping": participant is not None and participant.skip_week == week,
        "overlap": services.overlap_count(
            participant=participant, minutes=config.minutes, iso_week=week
        )
        if participant is not None and participant.pk
        else None,
        "form": form,
        "days": _week(chosen),
        "slot_times": [slot_time(slot) for slot in range(48)],
        "tz": tz,
        **_pairings_ctx(request.user, group),
        # Why an invitation would not reach them, so they are not paired.
        "suppression": Suppression.objects.filter(
            email=request.user.email.lower()
        ).first(),
        "roulette_emails_off": OptOut.objects.filter(
            user=request.user, group=group, topic=Topic.ROULETTE
        ).exists(),
        "topic_label": Topic.ROULETTE.label,
    }


@login_required
@require_safe
def home(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    group, membership, config = get_roulette_for_member(request, slug)
    return render(
        request, "roulette/home.html", _home_ctx(request, group, membership, config)
    )


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    group = get_group_for_owner(request, slug)
    config = settings_of(group)
    data = request.POST if request.method == "POST" else None
    form = RouletteSettingsForm(data, instance=config)
    if request.method == "POST" and form.is_valid():
        config = form.save(commit=False)
        config.updated_at = timezone.now()
        config.save()
        saved = (
            gettext("Coffee roulette settings saved; it is on.")
            if config.enabled
            else gettext("Coffee roulette settings saved; it is off.")
        )
        messages.success(request, saved)
        return redirect("roulette:settings", slug=group.slug)
    ctx = {"group": group, "form": form, "config": config}
    return render(request, "roulette/settings.html", ctx)


@login_required
@require_POST
def opt_in(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    group, membership, config = get_roulette_for_participant(request, slug)
    if not config.enabled:
        messages.error(request, gettext("Coffee roulette is off for this group."))
        return _home(slug)
    services.participant_opt(membership=membership, opted_in=True)
    messages.success(
        request, gettext("You take part in coffee roulette. Mark your free times.")
    )
    return _home(slug)


@login_required
@require_POST
def opt_out(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    group, membership, config = get_roulette_for_participant(request, slug)
    services.participant_opt(membership=membership, opted_in=False)
    messages.success(request, gettext("You no longer take part in coffee roulette."))
    return _home(slug)


@login_required
@require_POST
def skip(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    group, membership, config = get_roulette_for_participant(request, slug)
    week, _ = _upcoming(group, config, timezone.now())
    services.participant_skip(membership=membership, iso_week=week)
    messages.success(request, gettext("You skip next week's coffee roulette."))
    return _home(slug)


@login_required
@require_POST
def unskip(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    group, membership, config = get_roulette_for_participant(request, slug)
    services.participant_skip(membership=membership, iso_week="")
    messages.success(request, gettext("You take part next week again."))
    return _home(slug)


@login_required
@require_POST
def availability(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    group, membership, config = get_roulette_for_participant(request, slug)
    form = AvailabilityForm(request.POST)
    if not form.is_valid():
        ctx = _home_ctx(request, group, membership, config, form=form)
        return render(request, "roulette/home.html", ctx, status=400)
    services.participant_set_availability(
        membership=membership,
        tz=form.cleaned_data["timezone"],
        blocks=form.cleaned_data["blocks"],
    )
    count = len(form.cleaned_data["blocks"])
    messages.success(
        request,
        ngettext(
            "Availability saved: %(count)s free half-hour a week.",
            "Availability saved: %(count)s free half-hours a week.",
            count,
        )
        % {"count": count},
    )
    return _home(slug)


@login_required
@require_POST
def block(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    group, membership, config = get_roulette_for_participant(request, slug)
    form = PartnerForm(request.POST)
    partner = None
    if form.is_valid():
        partner = User.objects.filter(pk=form.cleaned_data["user"]).first()
    try:
        if partner is None:
            raise services.RouletteError(
                gettext("Choose someone you were paired with.")
            )
        services.partner_block(group=group, blocker=request.user, blocked=partner)
    except services.RouletteError as error:
        messages.error(request, str(error))
        return _home(slug)
    messages.success(
        request,
        gettext("You will not be paired with %(name)s again.") % {"name": partner.name},
    )
    return _home(slug)


@login_required
@require_POST
def unblock(request: AuthenticatedHttpRequest, slug: str, user_id: int) -> HttpResponse:
    group, membership, config = get_roulette_for_participant(request, slug)
    if services.partner_unblock(group=group, blocker=request.user, blocked_id=user_id):
        messages.success(request, gettext("You may be paired with them again."))
    return _home(slug)


@login_required
@require_safe
def pairing_detail(
    request: AuthenticatedHttpRequest, slug: str, pk: int
) -> HttpResponse:
    pairing, seats, mine = get_pairing_for_viewer(request, slug, pk)
    zones = services.zones_of(pairing.round.group, [s.user for s in seats])
    ctx = {
        "pairing": pairing,
        "group": pairing.round.group,
        "seats": [(s, zones[s.user_id]) for s in seats],
        "mine": mine,
        "tz": zones[mine.user_id] if mine else request.user.timezone,
        "can_change": mine is not None
        and mine.declined_at is None
        and pairing.is_active
        and pairing.start > timezone.now(),
    }
    return render(request, "roulette/pairing.html", ctx)


def _refuse_change(
    request: AuthenticatedHttpRequest, pairing: Pairing, mine: PairingMember
) -> HttpResponse | None:
    """A redirect when the meeting can no longer be changed by this person."""
    if mine.declined_at is not None:
        messages.error(request, gettext("You said you cannot make it to this meeting."))
    elif not pairing.is_active:
        messages.error(request, gettext("This meeting is cancelled."))
    elif pairing.start <= timezone.now():
        messages.error(request, gettext("This meeting has started or is over."))
    else:
        return None
    return redirect(pairing)


@login_required
@require_http_methods(["GET", "POST"])
def decline(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    pairing, seats, mine = get_pairing_for_participant(request, slug, pk)
    refused = _refuse_change(request, pairing, mine)
    if refused is not None:
        return refused
    if request.method == "POST":
        try:
            services.pairing_decline(pairing=pairing, user=request.user)
        except services.RouletteError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, gettext("Cancelled; the others have been told."))
        return redirect(pairing)
    partners = [s.user for s in seats if s is not mine and s.declined_at is None]
    tz = services.zones_of(pairing.round.group, [mine.user])[mine.user_id]
    ctx = {
        "pairing": pairing,
        "group": pairing.round.group,
        "partners": partners,
        "tz": tz,
    }
    return render(request, "roulette/decline.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def reschedule(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    pairing, seats, mine = get_pairing_for_participant(request, slug, pk)
    refused = _refuse_change(request, pairing, mine)
    if refused is not None:
        return refused
    tz = services.zones_of(pairing.round.group, [mine.user])[mine.user_id]
    options = services.pairing_time_options(pairing=pairing, now=timezone.now())
    data = request.POST if request.method == "POST" else None
    form = RescheduleForm(data, options=options, tz=tz)
    if request.method == "POST" and form.is_valid():
        try:
            services.pairing_reschedule(
                pairing=pairing, user=request.user, start=form.cleaned_data["start"]
            )
        except services.RouletteError as error:
            form.add_error("start", str(error))
        else:
            messages.success(
                request, gettext("New time saved; everyone got an update.")
            )
            return redirect(pairing)
    ctx = {"pairing": pairing, "group": pairing.round.group, "form": form, "tz": tz}
    status = 400 if form.errors else 200
    return render(request, "roulette/reschedule.html", ctx, status=status)
