from datetime import datetime, timedelta
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from accounts.http import AuthenticatedHttpRequest
from core import conditional
from core.csv import csv_response, csv_safe
from core.discovery import app_modules
from core.links import absolute_url
from groups.access import can_manage, get_group, get_group_for_owner, membership_of
from groups.forms import ExportConsentForm
from groups.models import Group, Membership

from . import calendar, importing, services
from .access import get_event, get_event_for_owner
from .cards import EventCard, event_cards
from .forms import (
    CancelForm,
    CoverForm,
    EditScopeForm,
    EventForm,
    EventSearchForm,
    GroupSearchForm,
    ImportForm,
    RsvpForm,
    SeriesForm,
)
from .models import CalendarFeed, Event, Rsvp

EVENTS_PER_PAGE = 20
ATTENDEES_SHOWN = 20
ATTENDEES_PER_PAGE = 100
HOME_EVENTS = 10
GROUP_EVENTS_SHOWN = 20
GROUPS_PER_PAGE = 20


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """Your groups' upcoming events first, then everything else."""
    upcoming = Event.objects.upcoming()
    if request.user.is_authenticated:
        mine = Membership.objects.filter(user=request.user).values("group")
        ctx = {
            "my_events": event_cards(
                upcoming.filter(group__in=mine)[:HOME_EVENTS], group_names=True
            ),
            "other_events": event_cards(
                upcoming.exclude(group__in=mine)[:HOME_EVENTS], group_names=True
            ),
        }
    else:
        ctx = {
            "other_events": event_cards(upcoming[:HOME_EVENTS], group_names=True),
            "groups": list(Group.objects.with_member_count()[:HOME_EVENTS]),
        }
    return render(request, "events/home.html", ctx)


@require_safe
def group_list(request: HttpRequest) -> HttpResponse:
    """All groups, or those matching the search, a page at a time."""
    form = GroupSearchForm(request.GET)
    groups = Group.objects.none()
    if form.is_valid():
        groups = Group.objects.search(form.cleaned_data["q"])
    # The next event is a subquery per group on the page, from the (group,
    # start) index, so neither the page nor its count aggregates every event.
    next_event = (
        Event.objects.filter(
            group=OuterRef("pk"), start__gte=timezone.now(), status="scheduled"
        )
        .order_by("start")
        .values("start")[:1]
    )
    groups = groups.with_member_count().annotate(next_event=Subquery(next_event))
    page = Paginator(groups, GROUPS_PER_PAGE).get_page(request.GET.get("page"))
    ctx = {"form": form, "page": page, **_filter_ctx(form)}
    return render(request, "events/group_list.html", ctx)


def _filter_ctx(form: EventSearchForm | GroupSearchForm) -> dict[str, Any]:
    """What the list templates need to show and keep the filters in use."""
    if not form.is_valid():
        return {"filtered": True, "page_query": ""}
    filters = form.filters()
    return {"filtered": bool(filters), "page_query": urlencode(filters)}


@require_safe
def group_detail(request: HttpRequest, slug: str) -> HttpResponse:
    group = get_object_or_404(Group.objects.with_member_count(), slug=slug)
    membership = membership_of(request.user, group)
    events = Event.objects.filter(group=group)
    upcoming = event_cards(events.upcoming()[:GROUP_EVENTS_SHOWN])
    if membership is not None:
        _offer_reply_on_cards(upcoming, request.user)
    ctx = {
        "group": group,
        "membership": membership,
        "owners": group.owner_names(),
        "upcoming": upcoming,
        "past": event_cards(events.past()[:GROUP_EVENTS_SHOWN]),
        "can_manage": can_manage(request.user, group, membership=membership),
        "consent_form": membership and ExportConsentForm(instance=membership),
    }
    return render(request, "events/group_detail.html", ctx)


def _offer_reply_on_cards(events: list[EventCard], user: Any) -> None:
    """Mark the next event of each series for a reply button on its card.

    Sets `card_reply` on those events, and `my_reply` to the person's reply
    (an `Rsvp.Status`) or None; one query whatever the number of series.
    """
    nexts: dict[int, EventCard] = {}
    for event in events:
        if event.series_id is not None and event.accepts_replies:
            nexts.setdefault(event.series_id, event)
    if not nexts:
        return
    replies = dict(
        Rsvp.objects.filter(user=user, event__in=[e.pk for e in nexts.values()])
        .order_by()
        .values_list("event_id", "status")
    )
    for event in nexts.values():
        status = replies.get(event.pk)
        event.card_reply = True
        event.my_reply = Rsvp.Status(status) if status else None


@require_safe
def event_list(request: HttpRequest) -> HttpResponse:
    """Upcoming or past events, filtered and searched, a page at a time."""
    groups = list(Group.objects.order_by("name").values_list("slug", "name"))
    form = EventSearchForm(request.GET, groups=groups)
    events: QuerySet[Event] = Event.objects.none()
    if form.is_valid():
        events = _found_events(**form.cleaned_data)
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    # The page lists its events as cards: the paginator's slice, read as values.
    cards = event_cards(cast(QuerySet[Event], page.object_list), group_names=True)
    page.object_list = cards  # type: ignore[assignment]
    past = form.is_valid() and form.cleaned_data["when"] == "past"
    ctx = {"form": form, "page": page, "past": past, **_filter_ctx(form)}
    return render(request, "events/list.html", ctx)


def _found_events(*, q: str, group: str, when: str, format: str) -> QuerySet[Event]:
    """The events of /events/: upcoming soonest first, past newest first."""
    events = Event.objects.past() if when == "past" else Event.objects.upcoming()
    if group:
        events = events.filter(group__slug=group)
    if format == "online":
        events = events.online()
    elif format == "in_person":
        events = events.in_person()
    return events.search(q)


@require_safe
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(
        Event.objects.select_related("group", "unconference", "series").with_counts(),
        pk=pk,
    )
    membership = membership_of(request.user, event.group)
    rsvp = None
    if request.user.is_authenticated:
        rsvp = Rsvp.objects.filter(event=event, user=request.user).first()
    is_owner = can_manage(request.user, event.group, membership=membership)
    attendees = []
    if membership or request.user.is_staff:
        # (id, name) pairs, not instances: the page shows the names.
        attendees = list(
            Rsvp.objects.filter(event=event, status=Rsvp.Status.ATTENDING)
            .order_by("created_at", "pk")
            .values_list("user_id", "user__name")[:ATTENDEES_SHOWN]
        )
    ctx = {
        "event": event,
        "membership": membership,
        "rsvp": rsvp,
        "waiting_place": _waiting_place(rsvp),
        "is_owner": is_owner,
        "attendees": attendees,
        "viewer_zone": _viewer_zone_if_different(request, event),
        "sees_online_link": _sees_online_link(rsvp, is_owner),
        "map_url": _map_url(event.venue),
        "google_url": calendar.google_calendar_url(event),
        "outlook_url": calendar.outlook_calendar_url(event),
        "share_url": absolute_url(event.get_absolute_url()),
        # Parts of the page from the apps above (comments), found by name.
        "sections": [
            module.section(request=request, event=event, membership=membership)
            for module in app_modules("event_page")
        ],
        "next_in_series": _next_in_series(event),
    }
    return render(request, "events/detail.html", ctx)


def _waiting_place(rsvp: Rsvp | None) -> int | None:
    """The person's place on the waiting list (1 = next in), in the order
    people move up (`services._promote_waitlist`)."""
    if rsvp is None or rsvp.status != Rsvp.Status.WAITLISTED:
        return None
    waiting = Rsvp.objects.filter(event_id=rsvp.event_id, status=Rsvp.Status.WAITLISTED)
    if rsvp.waitlisted_at is None:  # older rows; NULLs sort last
        before = Q(waitlisted_at__isnull=False) | Q(pk__lt=rsvp.pk)
    else:
        before = Q(waitlisted_at__lt=rsvp.waitlisted_at) | Q(
            waitlisted_at=rsvp.waitlisted_at, pk__lt=rsvp.pk
        )
    return waiting.filter(before).count() + 1


def _map_url(venue: str) -> str:
    if not venue:
        return ""
    return "https://www.openstreetmap.org/search?" + urlencode({"query": venue})


def _viewer_zone_if_different(request: HttpRequest, event: Event) -> str | None:
    """The viewer's zone, when its clock differs from the event's at the start."""
    if not request.user.is_authenticated or request.user.timezone == event.timezone:
        return None
    viewer = event.start.astimezone(request.user.zoneinfo).utcoffset()
    if viewer == event.start.astimezone(event.zone).utcoffset():
        return None
    return request.user.timezone


def _next_in_series(event: Event) -> Event | None:
    if event.series_id is None:
        return None
    later = Event.objects.filter(
        series_id=event.series_id, start__gt=event.start, status=Event.Status.SCHEDULED
    )
    return later.order_by("start", "pk").first()


@require_POST
def rsvp(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_event(pk)
    form = RsvpForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Choose attending, not attending or no reply."))
        return redirect(event)
    choice = form.cleaned_data["choice"]
    if not request.user.is_authenticated:
        if choice == "none":
            return redirect(event)
        query = urlencode(
            {"next": event.get_absolute_url(), "intent": f"rsvp:{event.pk}:{choice}"}
        )
        return redirect(f"{reverse('accounts:signin')}?{query}")
    try:
        result = services.rsvp_set(event=event, user=request.user, choice=choice)
    except services.RsvpError as error:
        messages.error(request, str(error))
        return redirect(event)
    if result is None:
        messages.success(request, gettext("Your reply is withdrawn."))
    else:
        messages.success(
            request,
            gettext("Your reply: %(reply)s.") % {"reply": result.get_status_display()},
        )
    return redirect(event)


@login_required
@require_http_methods(["GET", "POST"])
def event_create(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    group = get_group_for_owner(request, slug)
    initial = {"timezone": group.timezone}
    source_pk = request.GET.get("from")
    if source_pk and source_pk.isdigit():
        source = Event.objects.filter(pk=int(source_pk), group=group).first()
        if source is not None:
            initial = services.duplicate_initial(source)
    form = EventForm(request.POST or None, initial=initial, creating=True)
    cover_form = CoverForm(request.POST or None, request.FILES or None, prefix="cover")
    repeat_form = SeriesForm(request.POST or None, event_form=form)
    if request.method == "POST":
        valid = [f.is_valid() for f in (form, cover_form, repeat_form)]
        if all(valid):
            cover = {
                "cover": cover_form.cleaned_data["image"],
                "cover_alt": cover_form.cleaned_data["alt"],
            }
            rule = repeat_form.rule()
            if rule is None:
                event = services.event_create(
                    group=group, by=request.user, **cover, **form.cleaned_data
                )
                messages.success(request, gettext("The event is created."))
            else:
                events = services.series_create(
                    group=group,
                    by=request.user,
                    rule=rule,
                    **cover,
                    **form.cleaned_data,
                )
                event = events[0]
                messages.success(
                    request,
                    gettext("The series of %(count)s events is created.")
                    % {"count": len(events)},
                )
            return redirect(event)
        _ask_for_the_file_again(cover_form)
    ctx = {
        **_form_ctx(form, group=group),
        "cover_form": cover_form,
        "repeat_form": repeat_form,
    }
    return render(request, "events/form.html", ctx)


def _ask_for_the_file_again(cover_form: CoverForm) -> None:
    """Browsers cannot show a chosen file again: say so next to the field."""
    if cover_form.is_valid() and cover_form.cleaned_data["image"] is not None:
        cover_form.add_error(
            "image",
            gettext(
                "Choose the image again: it is not kept while the form has errors."
            ),
        )


def _form_ctx(
    form: EventForm,
    *,
    group: Group,
    event: Event | None = None,
    scope_form: EditScopeForm | None = None,
) -> dict[str, Any]:

    return {
        "form": form,
        "group": group,
        "event": event,
        "scope_form": scope_form,
    }


@login_required
@require_http_methods(["GET", "POST"])
def event_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    event = get_event_for_owner(request, pk)
    if event.is_past or event.is_cancelled:
        messages.error(request, gettext("Past and cancelled events cannot be edited."))
        return redirect(event)
    form = EventForm(request.POST or None, instance=event, creating=False)
    scope = EditScopeForm(request.POST or None) if event.series_id else None
    if (
        request.method == "POST"
        and form.is_valid()
        and (scope is None or scope.is_valid())
    ):
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        event = get_event(pk)  # validating changed the form's copy
        if scope is not None and scope.cleaned_data["scope"] == "following":
            later = services.event_update_following(
                event=event, by=request.user, **fields
            )
            n = len(later)
            messages.success(
                request,
                ngettext(
                    "This event and %(count)s following event are saved.",
                    "This event and %(count)s following events are saved.",
                    n,
                )
                % {"count": n},
            )
        else:
            services.event_update(event=event, by=request.user, **fields)
            messages.success(request, gettext("The event is saved."))
        return redirect(event)
    ctx = _form_ctx(form, group=event.group, event=event, scope_form=scope)
    return render(request, "events/form.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def event_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    event = get_event_for_owner(request, pk)
    if event.is_past or event.is_cancelled:
        messages.error(request, gettext("This event is over or cancelled already."))
        return redirect(event)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.event_cancel(
            event=event, by=request.user, message=form.cleaned_data["message"]
        )
        messages.success(request, gettext("The event is cancelled."))
        return redirect(event)
    return render(request, "events/cancel.html", {"event": event, "form": form})


@login_required
@require_safe
def event_duplicate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    event = get_event_for_owner(request, pk)
    url = reverse("events:create", kwargs={"slug": event.group.slug})
    return redirect(f"{url}?{urlencode({'from': event.pk})}")


@login_required
@require_http_methods(["GET", "POST"])
def event_cover(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Upload or replace the cover image, or change its alt text."""
    event = get_event_for_owner(request, pk)
    has_cover = bool(event.cover)
    form = CoverForm(
        request.POST or None,
        request.FILES or None,
        has_image=has_cover,
        initial={"alt": event.cover_alt},
    )
    if request.method == "POST" and form.is_valid():
        services.event_cover_set(
            event=event,
            by=request.user,
            image=form.cleaned_data["image"],
            alt=form.cleaned_data["alt"],
        )
        messages.success(request, gettext("The cover image is saved."))
        return redirect(event)
    ctx = {"event": event, "form": form, "has_cover": has_cover}
    return render(request, "events/cover.html", ctx)


@login_required
@require_POST
def event_cover_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    event = get_event_for_owner(request, pk)
    if event.cover:
        services.event_cover_remove(event=event, by=request.user)
        messages.success(request, gettext("The cover image is removed."))
    return redirect(event)


ATTENDEE_LISTS = {
    "attending": gettext_lazy("Attending"),
    "waitlisted": gettext_lazy("Waiting list"),
    "not_attending": gettext_lazy("Not attending"),
    "not_replied": gettext_lazy("Not replied"),
}


@login_required
@require_safe
def attendees(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(
        Event.objects.select_related("group").with_counts(), pk=pk
    )
    membership = membership_of(request.user, event.group)
    is_owner = can_manage(request.user, event.group, membership=membership)
    if membership is None and not request.user.is_staff:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(
            gettext("Only members of this group can see who is coming.")
        )
    which = request.GET.get("list", "attending")
    if which not in ATTENDEE_LISTS or (not is_owner and which != "attending"):
        which = "attending"
    paginator = Paginator(_attendee_rows(event, which), ATTENDEES_PER_PAGE)
    # The replies are counted by the database as they are written; nobody
    # stores who has not replied, so that list is counted here.
    if which == "not_replied":
        paginator.count = _attendee_people(event, which).count()
    else:
        paginator.count = event.counts.of(which)
    page = paginator.get_page(request.GET.get("page"))
    ctx = {
        "event": event,
        "page": page,
        "is_owner": is_owner,
        "which": which,
        "lists": ATTENDEE_LISTS
        if is_owner
        else {"attending": ATTENDEE_LISTS["attending"]},
    }
    return render(request, "events/attendees.html", ctx)


def _attendee_people(event: Event, which: str) -> QuerySet[Any]:
    """The memberships (not replied) or replies on one list, unordered."""
    if which == "not_replied":
        return Membership.objects.filter(group=event.group).exclude(
            user__rsvps__event=event
        )
    return Rsvp.objects.filter(event=event, status=which)


def _attendee_rows(
    event: Event, which: str
) -> QuerySet[Any, tuple[str, str, datetime]]:
    """People on one list, as (name, email, when) rows in a stable order."""
    people = _attendee_people(event, which)
    if which == "not_replied":
        return people.order_by("joined_at", "pk").values_list(
            "user__name", "user__email", "joined_at"
        )
    order = ("waitlisted_at", "pk") if which == "waitlisted" else ("created_at", "pk")
    return people.order_by(*order).values_list(
        "user__name", "user__email", "updated_at"
    )


@login_required
@require_safe
def attendees_csv(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    event = get_event_for_owner(request, pk)
    response, writer = csv_response(
        f"event-{event.pk}-replies.csv", ["name", "email", "reply"]
    )
    for which, label in ATTENDEE_LISTS.items():
        for name, email, _ in _attendee_rows(event, which).iterator(chunk_size=2000):
            writer.writerow([csv_safe(name), email, label.lower()])
    return response


def _ics_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_safe
def event_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """The event's .ics, with the online link for people attending and owners.

    A visitor's file is the row's alone, so it has a last-change time; a
    signed-in person's also depends on their reply, which leaves no time
    behind when withdrawn (the row goes), so theirs is validated by tag only.
    """
    event = get_event(pk)
    online = False
    signed_in = request.user.is_authenticated
    if request.user.is_authenticated:
        rsvp = Rsvp.objects.filter(event=event, user=request.user).first()
        online = _sees_online_link(rsvp, can_manage(request.user, event.group))
    return conditional.respond(
        request,
        etag=calendar.event_etag(event, online=online),
        last_modified=None if signed_in else event.updated_at,
        private=signed_in,
        build=lambda: _ics_response(
            calendar.event_ics(event, online=online), f"event-{event.pk}.ics"
        ),
    )


def _sees_online_link(rsvp: Rsvp | None, is_owner: bool) -> bool:
    """The online link is for people attending, and for those who run the event."""
    attending = rsvp is not None and rsvp.status == Rsvp.Status.ATTENDING
    return attending or is_owner


FEED_DAYS_BACK = 90


def _feed_response(
    request: HttpRequest,
    events: QuerySet[Event],
    *,
    name: str,
    filename: str,
    online: bool,
    private: bool,
) -> HttpResponse:
    """A feed of `events`: its tag from one small query of their keys and
    change times; their rows only when this process has not built it yet."""
    events = events.filter(
        end__gte=timezone.now() - timedelta(days=FEED_DAYS_BACK)
    ).order_by("start", "pk")
    rows = events.values_list("pk", "updated_at")
    etag = calendar.feed_etag(rows, name=name, online=online, filename=filename)

    def build() -> HttpResponse:
        body, built_etag = calendar.cached_feed_ics(
            lambda: events, etag=etag, name=name, filename=filename, online=online
        )
        response = _ics_response(body, filename)
        response["ETag"] = built_etag
        return response

    return conditional.respond(request, etag=etag, private=private, build=build)


@require_safe
def group_feed(request: HttpRequest, slug: str) -> HttpResponse:
    """The group's events from 90 days back, for calendar apps to subscribe to.

    No Last-Modified: a renamed group, or an event leaving the 90 days or
    deleted in the admin, changes the feed without any stored time moving on.
    """
    group = get_group(slug)
    return _feed_response(
        request,
        Event.objects.filter(group=group),
        name=group.name,
        filename=f"{group.slug}.ics",
        online=False,
        private=False,
    )


@require_safe
def personal_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The events a person attends, by the secret token (no session).

    A revoked token is a 404 before any validator is looked at, and the tag
    covers exactly the events attended now: someone who withdrew or left the
    group gets the feed without them, never a 304 that keeps them.
    """
    feed = get_object_or_404(CalendarFeed.objects.select_related("user"), token=token)
    attending = Event.objects.filter(
        rsvps__user=feed.user, rsvps__status=Rsvp.Status.ATTENDING
    )
    # Calendar apps send no cookie and seldom a language: the feed speaks the
    # language of its owner's account, when they chose one (the feed's tag and
    # cache key include the active language).
    with translation.override(feed.user.language or translation.get_language()):
        return _feed_response(
            request,
            attending,
            name=gettext("My events (%(name)s)") % {"name": feed.user.name},
            filename="my-events.ics",
            online=True,
            private=True,
        )


@login_required
@require_POST
def feed_regenerate(request: AuthenticatedHttpRequest) -> HttpResponse:
    CalendarFeed.objects.update_or_create(
        user=request.user, defaults={"token": CalendarFeed.new_token()}
    )
    messages.success(
        request,
        gettext("Your calendar feed has a new address; the old one no longer works."),
    )
    return redirect("accounts:profile")


@login_required
@require_http_methods(["GET", "POST"])
def event_import(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Upload an .ics file, see what it holds, then import exactly that."""
    group = get_group_for_owner(request, slug)
    if request.method == "POST" and "payload" in request.POST:
        found = importing.read_preview(group, request.POST["payload"])
        if found is None:
            messages.error(
                request,
                gettext(
                    "This preview has expired or was changed. Upload the file again."
                ),
            )
            return render(
                request, "events/import.html", {"group": group, "form": ImportForm()}
            )
        created = importing.events_import(group=group, by=request.user, found=found)
        messages.success(
            request,
            ngettext("Imported %(count)s event.", "Imported %(count)s events.", created)
            % {"count": created},
        )
        return redirect(group)
    form = ImportForm(request.POST or None, request.FILES or None)
    ctx: dict[str, Any] = {"group": group, "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            found, skipped = importing.read_calendar(
                form.cleaned_data["ics_file"].read(), default_zone=group.timezone
            )
        except importing.CalendarFileError as error:
            form.add_error("ics_file", str(error))
        else:
            here = importing.already_here(found)
            new = [f for f in found if f.uid not in here]
            ctx.update(
                new=new,
                here=[f for f in found if f.uid in here],
                skipped=skipped,
                payload=importing.sign_preview(group, new),
            )
    return render(request, "events/import.html", ctx)
