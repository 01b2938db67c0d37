from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from core import conditional
from events.models import CalendarFeed

from . import services, timetable
from .access import (
    Viewer,
    get_event_for_owner,
    get_session,
    get_session_for_proposer,
    get_unconference,
    get_unconference_for_attendee,
    get_unconference_for_owner,
)
from .agenda import Programme
from .forms import (
    InterestForm,
    MoveForm,
    PlacementForm,
    RoomForm,
    RunForm,
    SessionForm,
    SettingsForm,
    SlotForm,
)
from .models import Interest, Room, ScheduleRun, Session, Slot, Unconference

RUNS_SHOWN = 10


def _sessions_url(unconference: Unconference) -> str:
    return reverse("unconference:sessions", kwargs={"pk": unconference.event_id})


def _slots(unconference: Unconference) -> list[Slot]:
    slots = list(Slot.objects.filter(unconference=unconference).order_by("start"))
    for slot in slots:
        slot.unconference = unconference
    return slots


def _sessions(unconference: Unconference) -> dict[int, Session]:
    sessions = Session.objects.filter(unconference=unconference).select_related(
        "proposer"
    )
    for session in sessions:
        session.unconference = unconference
    return {s.pk: s for s in sessions}


# --- the programme: everyone who may see the event -------------------------------


@require_safe
def session_list(request: HttpRequest, pk: int) -> HttpResponse:
    unconference, viewer = get_unconference(request, pk)
    sessions = list(
        Session.objects.filter(unconference=unconference)
        .select_related("proposer")
        .with_popularity(unconference)
        .order_by("-popularity", "title_key", "pk")
    )
    mine: dict[int, str] = {}
    if viewer.is_attending and request.user.is_authenticated:
        mine = dict(
            Interest.objects.filter(
                user=request.user, session__unconference=unconference
            ).values_list("session_id", "level")
        )
    me = request.user.pk
    for session in sessions:
        session.unconference = unconference
        session.is_mine = me is not None and session.proposer_id == me
        session.my_level = "very" if session.is_mine else mine.get(session.pk, "")
    show_mine = request.GET.get("show") == "mine"
    if show_mine:
        sessions = [s for s in sessions if s.my_level not in ("", "none")]
    ctx = {
        "unconference": unconference,
        "event": unconference.event,
        "viewer": viewer,
        "sessions": sessions,
        "show_mine": show_mine,
        "form": InterestForm(
            sessions=[s for s in sessions if not s.is_mine], mine=mine
        ),
        "limit": services.proposal_limit(unconference),
        "proposed": sum(1 for s in sessions if s.is_mine),
        "levels": Interest.Level.choices,
    }
    return render(request, "unconference/sessions.html", ctx)


@require_safe
def session_detail(request: HttpRequest, pk: int, session_id: int) -> HttpResponse:
    unconference, viewer = get_unconference(request, pk)
    session = get_session(unconference, session_id)
    session.unconference = unconference
    ctx = {
        "unconference": unconference,
        "event": unconference.event,
        "viewer": viewer,
        "session": session,
        "is_mine": session.proposer_id == request.user.pk,
    }
    return render(request, "unconference/session.html", ctx)


@require_safe
def timetable_view(request: HttpRequest, pk: int) -> HttpResponse:
    unconference, viewer = get_unconference(request, pk)
    run = unconference.published_run
    rows, rooms = [], []
    if run is not None:
        rooms = list(Room.objects.filter(unconference=unconference))
        rows = timetable.grid(
            slots=_slots(unconference),
            rooms=rooms,
            sessions=_sessions(unconference),
            run=run,
        )
    ctx = {
        "unconference": unconference,
        "event": unconference.event,
        "viewer": viewer,
        "rows": rows,
        "rooms": rooms,
    }
    return render(request, "unconference/timetable.html", ctx)


def _agenda(
    request: AuthenticatedHttpRequest, pk: int
) -> tuple[Unconference, Viewer, list | None, float | None]:
    unconference, viewer = get_unconference(request, pk)
    items, coverage = _agenda_of(unconference, request.user)
    return unconference, viewer, items, coverage


def _agenda_of(
    unconference: Unconference, user: User
) -> tuple[list | None, float | None]:
    """(agenda items, coverage) of `user` in the published timetable, or Nones."""
    run = unconference.published_run
    if run is None:
        return None, None
    programme = Programme.load(unconference, user=user)
    for slot in programme.slots:
        slot.unconference = unconference
    for session in programme.sessions.values():
        session.unconference = unconference
    return programme.agenda(user.pk, run.cells), programme.coverage(user.pk, run.cells)


@login_required
@require_safe
def agenda(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    unconference, viewer, items, coverage = _agenda(request, pk)
    feed = CalendarFeed.objects.filter(user=request.user).first()
    ctx = {
        "unconference": unconference,
        "event": unconference.event,
        "viewer": viewer,
        "items": items,
        "coverage": None if coverage is None else round(100 * coverage),
        "feed_token": feed.token if feed else "",
    }
    return render(request, "unconference/agenda.html", ctx)


@login_required
@require_safe
def agenda_ics(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    unconference, _viewer, items, _coverage = _agenda(request, pk)
    return _agenda_ics_response(request, unconference, items)


@require_safe
def agenda_feed(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    """A person's agenda for calendar apps: the private feed token, no session.

    The token is the one of their events feed (profile), so regenerating it
    there revokes this address too.
    """
    feed = get_object_or_404(CalendarFeed.objects.select_related("user"), token=token)
    unconference = get_object_or_404(
        Unconference.objects.select_related("event__group", "published_run"),
        event_id=pk,
        enabled=True,
    )
    items, _coverage = _agenda_of(unconference, feed.user)
    # Calendar apps send no cookie: the feed speaks its owner's language.
    with translation.override(feed.user.language or translation.get_language()):
        return _agenda_ics_response(request, unconference, items)


def _agenda_ics_response(
    request: HttpRequest, unconference: Unconference, items: list | None
) -> HttpResponse:
    """The agenda's .ics; a 304 when the person's calendar holds it already.

    Its tag is computed from the agenda itself, after every access check.
    """
    event = unconference.event
    run = unconference.published_run
    name = gettext("My agenda: %(event)s") % {"event": event.title}
    revised = run.published_at if run is not None else None
    shown = items or []

    def build() -> HttpResponse:
        body = timetable.agenda_ics(
            event=event, items=shown, name=name, revised=revised
        )
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'inline; filename="agenda-{event.pk}.ics"'
        return response

    etag = timetable.agenda_etag(event=event, items=shown, name=name, revised=revised)
    return conditional.respond(request, etag=etag, private=True, build=build)


# --- attendees: propose and rate ---------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def propose(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    unconference = get_unconference_for_attendee(request, pk)
    form = SessionForm(request.POST or None, unconference=unconference)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_propose(
                unconference=unconference, by=request.user, **form.cleaned_data
            )
        except services.UnconferenceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                gettext("Your session “%(title)s” is proposed.")
                % {"title": session.title},
            )
            return redirect(_sessions_url(unconference))
    ctx = {"unconference": unconference, "event": unconference.event, "form": form}
    return render(request, "unconference/propose.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(
    request: AuthenticatedHttpRequest, pk: int, session_id: int
) -> HttpResponse:
    session = get_session_for_proposer(request, pk, session_id)
    unconference = session.unconference
    form = SessionForm(
        request.POST or None, instance=session, unconference=unconference
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.session_update(session=session, **form.cleaned_data)
        except services.UnconferenceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, gettext("Your session is saved."))
            return redirect(session)
    ctx = {
        "unconference": unconference,
        "event": unconference.event,
        "form": form,
        "session": session,
    }
    return render(request, "unconference/propose.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def session_withdraw(
    request: AuthenticatedHttpRequest, pk: int, session_id: int
) -> HttpResponse:
    session = get_session_for_proposer(request, pk, session_id)
    unconference = session.unconference
    if request.method == "POST":
        try:
            services.session_withdraw(session=session)
        except services.UnconferenceError as error:
            messages.error(request, str(error))
            return redirect(session)
        messages.success(
            request,
            gettext("Your session “%(title)s” is withdrawn.")
            % {"title": session.title},
        )
        return redirect(_sessions_url(unconference))
    ctx = {
        "unconference": unconference,
        "event": unconference.event,
        "session": session,
    }
    return render(request, "unconference/withdraw.html", ctx)


@login_required
@require_POST
def interest(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Save interest: the whole form without JavaScript, one choice with it."""
    wants_json = "application/json" in request.headers.get("Accept", "")
    unconference = get_unconference_for_attendee(request, pk)
    sessions = Session.objects.filter(unconference=unconference)
    form = InterestForm(request.POST, sessions=sessions)
    error = ""
    if not form.is_valid():
        error = gettext("Choose one of the offered levels for each session.")
    else:
        try:
            saved = services.interest_set(
                unconference=unconference, user=request.user, levels=form.levels()
            )
        except services.UnconferenceError as problem:
            error = str(problem)
    if wants_json:
        if error:
            return JsonResponse({"error": error}, status=400)
        return JsonResponse({"saved": saved})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, gettext("Your interests are saved."))
    url = _sessions_url(unconference)
    return redirect(f"{url}?show=mine" if request.POST.get("show") == "mine" else url)


# --- owners: set up -----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def setup(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    event = get_event_for_owner(request, pk)
    existing = Unconference.objects.filter(event=event).first()
    if request.method == "GET" and existing is not None and existing.enabled:
        return redirect("unconference:sessions", pk=pk)
    if request.method == "POST":
        try:
            unconference = services.unconference_enable(event=event)
        except services.UnconferenceError as error:
            messages.error(request, str(error))
            return redirect(event)
        messages.success(
            request, gettext("Unconference mode is on. Add rooms and slots next.")
        )
        return redirect("unconference:rooms", pk=unconference.event_id)
    ctx = {"event": event, "unconference": existing}
    return render(request, "unconference/setup.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def settings_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    unconference = get_unconference_for_owner(request, pk)
    form = SettingsForm(request.POST or None, instance=unconference)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, gettext("The unconference settings are saved."))
        return redirect("unconference:settings", pk=pk)
    ctx = {"unconference": unconference, "event": unconference.event, "form": form}
    return render(request, "unconference/settings.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def rooms(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    unconference = get_unconference_for_owner(request, pk)
    form = RoomForm(request.POST or None, unconference=unconference)
    if request.method == "POST" and form.is_valid():
        form.instance.unconference = unconference
        room = form.save()
        messages.success(
            request, gettext("Room “%(name)s” is added.") % {"name": room.name}
        )
        return redirect("unconference:rooms", pk=pk)
    ctx = {
        "unconference": unconference,
        "event": unconference.event,
        "form": form,
        "rooms": list(Room.objects.filter(unconference=unconference)),
    }
    return render(request, "unconference/rooms.html", ctx)


def _part_edit(
    request: AuthenticatedHttpRequest,
    pk: int,
    *,
    model: type[Model],
    part_id: int,
    form_class: type[RoomForm] | type[SlotForm],
    noun: str,
) -> HttpResponse:
    """Edit one room or slot of an unconference (owners only)."""
    unconference = get_unconference_for_owner(request, pk)
    part = get_object_or_404(model, unconference=unconference, pk=part_id)
    form = form_class(request.POST or None, instance=part, unconference=unconference)
    if request.method == "POST" and form.is_valid():
        form.save()
        saved = {
            "room": gettext("The room is saved."),
            "slot": gettext("The slot is saved."),
        }
        messages.success(request, saved[noun])
        return redirect(f"unconference:{noun}s", pk=pk)
    ctx = {"unconference": unconference, "event": unconference.event, "form": form}
    return render(request, f"unconference/{noun}_edit.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def room_edit(request: AuthenticatedHttpRequest, pk: int, room_id: int) -> HttpResponse:
    return _part_edit(
        request, pk, model=Room, part_id=room_id, form_class=RoomForm, noun="room"
    )


@login_required
@require_POST
def room_delete(
    request: AuthenticatedHttpRequest, pk: int, room_id: int
) -> HttpResponse:
    unconference = get_unconference_for_owner(request, pk)
    room = get_object_or_404(Room, unconference=unconference, pk=room_id)
    room.delete()
    messages.success(
        request, gettext("Room “%(name)s” is deleted.") % {"name": room.name}
    )
    return redirect("unconference:rooms", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def slots(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    unconference = get_unconference_for_owner(request, pk)
    form = SlotForm(request.POST or None, unconference=unconference)
    if request.method == "POST" and form.is_valid():
        form.instance.unconference = unconference
        form.save()
        messages.success(request, gettext("The slot is added."))
        return redirect("unconference:slots", pk=pk)
    ctx = {
        "unconference": unconference,
        "event": unconference.event,
        "form": form,
        "slots": _slots(unconference),
    }
    return render(request, "unconference/slots.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def slot_edit(request: AuthenticatedHttpRequest, pk: int, slot_id: int) -> HttpResponse:
    return _part_edit(
        request, pk, model=Slot, part_id=slot_id, form_class=SlotForm, noun="slot"
    )


@login_required
@require_POST
def slot_delete(
    request: AuthenticatedHttpRequest, pk: int, slot_id: int
) -> HttpResponse:
    unconference = get_unconference_for_owner(request, pk)
    slot = get_object_or_404(Slot, unconference=unconference, pk=slot_id)
    services.slot_delete(slot=slot)
    messages.success(request, gettext("The slot is deleted."))
    return redirect("unconference:slots", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def session_place(
    request: AuthenticatedHttpRequest, pk: int, session_id: int
) -> HttpResponse:
    unconference = get_unconference_for_owner(request, pk)
    session = get_session(unconference, session_id)
    session.unconference = unconference
    form = PlacementForm(
        request.POST or None, instance=session, unconference=unconference
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(
            request,
            gettext("The placement of “%(title)s” is saved.")
            % {"title": session.title},
        )
        return redirect(session)
    ctx = {
        "unconference": unconference,
        "event": unconference.event,
        "form": form,
        "session": session,
        "unavailable": list(session.unavailable_slots.all()),
    }
    return render(request, "unconference/placement.html", ctx)


# --- owners: the scheduler -----------------------------------------------------------


def _run_ctx(unconference: Unconference, run: ScheduleRun | None) -> dict:
    """Grid, attendance and comparisons for one run (a fixed number of queries)."""
    if run is None or run.status != ScheduleRun.Status.DONE:
        return {"run": run}
    slots = _slots(unconference)
    rooms = list(Room.objects.filter(unconference=unconference))
    sessions = _sessions(unconference)
    # The solver always scores a run; one made another way (as in tests) may
    # have no score, and then shows no comparisons instead of failing.
    utility, random = run.utility, run.random_utility
    return {
        "run": run,
        "rooms": rooms,
        "rows": timetable.grid(slots=slots, rooms=rooms, sessions=sessions, run=run),
        "attendance": timetable.attendance(
            run=run,
            sessions=sessions,
            slots={t.pk: t for t in slots},
            rooms={r.pk: r for r in rooms},
        ),
        "unplaced": [sessions[s] for s in run.unplaced if s in sessions],
        "vs_random": (
            utility - random if utility is not None and random is not None else None
        ),
        "vs_previous": (
            utility - run.previous_utility
            if utility is not None and run.previous_utility is not None
            else None
        ),
        "moved_from_previous": timetable.moved_between(run.previous_run, run),
        "move_form": MoveForm(
            sessions=sessions.values(),
            slots=[t for t in slots if not t.is_break],
            rooms=rooms,
        ),
    }


@login_required
@require_safe
def schedule(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    unconference = get_unconference_for_owner(request, pk)
    runs = list(
        ScheduleRun.objects.filter(unconference=unconference).select_related(
            "previous_run"
        )[:RUNS_SHOWN]
    )
    ctx = {
        "unconference": unconference,
        "event": unconference.event,
        "runs": runs,
        "run_form": RunForm(),
        "blocker": services.schedule_blocker(unconference),
        **_run_ctx(unconference, runs[0] if runs else None),
    }
    return render(request, "unconference/schedule.html", ctx)


@login_required
@require_safe
def run_detail(request: AuthenticatedHttpRequest, pk: int, run_id: int) -> HttpResponse:
    unconference = get_unconference_for_owner(request, pk)
    run = get_object_or_404(
        ScheduleRun.objects.select_related("previous_run"),
        unconference=unconference,
        pk=run_id,
    )
    ctx = {
        "unconference": unconference,
        "event": unconference.event,
        **_run_ctx(unconference, run),
    }
    return render(request, "unconference/run.html", ctx)


@login_required
@require_POST
def run_start(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    unconference = get_unconference_for_owner(request, pk)
    form = RunForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, gettext("Seconds must be between 0.5 and 60, seed 0 or more.")
        )
        return redirect("unconference:schedule", pk=pk)
    try:
        services.schedule_request(
            unconference=unconference, by=request.user, **form.cleaned_data
        )
    except services.UnconferenceError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, gettext("The scheduler is running; the result shows here.")
        )
    return redirect("unconference:schedule", pk=pk)


@login_required
@require_POST
def run_publish(
    request: AuthenticatedHttpRequest, pk: int, run_id: int
) -> HttpResponse:
    unconference = get_unconference_for_owner(request, pk)
    run = get_object_or_404(ScheduleRun, unconference=unconference, pk=run_id)
    try:
        emailed = services.schedule_publish(run=run, by=request.user)
    except services.UnconferenceError as error:
        messages.error(request, str(error))
        return redirect(run)
    messages.success(
        request,
        ngettext(
            "The timetable is published; %(count)s person gets their agenda by email.",
            "The timetable is published; %(count)s people get their agenda by email.",
            len(emailed),
        )
        % {"count": len(emailed)},
    )
    return redirect("unconference:timetable", pk=pk)


@login_required
@require_POST
def run_move(request: AuthenticatedHttpRequest, pk: int, run_id: int) -> HttpResponse:
    unconference = get_unconference_for_owner(request, pk)
    run = get_object_or_404(ScheduleRun, unconference=unconference, pk=run_id)
    run.unconference = unconference
    form = MoveForm(
        request.POST,
        sessions=Session.objects.filter(unconference=unconference),
        slots=[t for t in _slots(unconference) if not t.is_break],
        rooms=Room.objects.filter(unconference=unconference),
    )
    if not form.is_valid():
        messages.error(
            request, gettext("Choose a session, a slot and a room of this event.")
        )
        return redirect(run)
    try:
        adjusted = services.schedule_adjust(
            run=run,
            by=request.user,
            session_id=form.cleaned_data["session"],
            slot_id=form.cleaned_data["slot"],
            room_id=form.cleaned_data["room"],
        )
    except services.UnconferenceError as error:
        messages.error(request, str(error))
        return redirect(run)
    messages.success(
        request, gettext("The session is moved; this is the adjusted timetable.")
    )
    return redirect(adjusted)
