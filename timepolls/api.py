"""The JSON API (/api/v1/), built with django-ninja; its OpenAPI 3 description is
generated from these functions and schemas at /api/v1/openapi.json.

Authentication is a bearer token in the Authorization header, never a session
cookie, which is why these views need no CSRF token:

- a personal API token (`mtg_…`, made on the profile's token page) acts as
  its person: organiser of their polls, party of polls sent to their address;
- a party's private-link token acts as that party on that poll only.

Updates carry the `version` of the poll they saw and get 412 when it moved on.
Each token (and each client address making failed attempts) has a request
budget; past it the answer is 429 with Retry-After.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any, Literal, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext
from ninja import Field, NinjaAPI, Query, Schema, Status
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer
from ninja.throttling import BaseThrottle
from pydantic import AfterValidator

from accounts.models import API_TOKEN_PREFIX, ApiToken, hash_token
from core import ratelimit
from core.validators import validate_multiline_text, validate_single_line
from groups.models import Group
from notifications.outbox import not_emailed

from . import services
from . import tally as tallies
from . import times as poll_times
from .access import PollAccess, for_user
from .audit import Actor
from .forms import parse_parties
from .models import AuditEntry, Party, PartyLink, Poll, PollTime

VIA = AuditEntry.Via.API
MAX_ID = 2**63 - 1
FAILED_AUTH_PER_10_MIN = 30


class ApiRequest(HttpRequest):
    """A request that passed BearerToken: ninja sets `auth` to its Actor.

    Only for annotations, as accounts.http.AuthenticatedHttpRequest.
    """

    auth: Actor


class RateLimitedError(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(gettext("Too many requests."))
        self.retry_after = retry_after


# --- authentication and rate limits ---------------------------------------------------


class BearerToken(HttpBearer):
    """`Authorization: Bearer <API token or private-link token>`."""

    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        token = token.strip()
        if token.startswith(API_TOKEN_PREFIX):
            row = (
                ApiToken.objects.active()
                .select_related("user")
                .filter(token_hash=hash_token(token), user__is_active=True)
                .first()
            )
            if row is not None:
                _touch(row)
                return Actor(user=row.user, token=row, via=VIA)
        else:
            link = PartyLink.lookup(token)
            if link is not None and link.is_usable:
                return Actor(party=link.party, via=VIA)
            if link is not None:
                services.link_rejected(link=link, via=VIA)
        _failed_attempt(request)
        return None


def _touch(row: ApiToken) -> None:
    # At most one write a minute per token for "last used".
    now = timezone.now()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)


def _failed_attempt(request: HttpRequest) -> None:
    key = ratelimit.hashed_key("api-fail", ratelimit.client_ip(request))
    if not ratelimit.take(key, capacity=FAILED_AUTH_PER_10_MIN, period=600):
        raise RateLimitedError(math.ceil(600 / FAILED_AUTH_PER_10_MIN))


class TokenBucket(BaseThrottle):
    """Requests per minute per token, from the database token bucket in core."""

    def allow_request(self, request: HttpRequest) -> bool:
        # Throttling runs after authentication, so the request is an ApiRequest.
        actor = cast(ApiRequest, request).auth
        if actor.token is not None:
            key = f"api:token:{actor.token.pk}"
        else:
            assert actor.party is not None  # BearerToken's actors have one or other
            key = f"api:party:{actor.party.pk}"
        return ratelimit.take(key, capacity=self._capacity(), period=60)

    def wait(self) -> float:
        return 60 / self._capacity()

    @staticmethod
    def _capacity() -> int:
        return max(settings.API_RATE_LIMIT, 1)


class _SchemaOnce(NinjaAPI):
    """A NinjaAPI that builds its OpenAPI schema once per path prefix.

    The schema comes from the code alone (operations, their schemas, this
    module's title and version); building it cost 40 to 70 ms of CPU on every
    request of openapi.json and of the docs page. Callers read it, never
    change it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._schemas: dict[str, Any] = {}

    def get_openapi_schema(
        self,
        *,
        path_prefix: str | None = None,
        path_params: dict[str, Any] | None = None,
    ) -> Any:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        if path_prefix not in self._schemas:
            schema = super().get_openapi_schema(path_prefix=path_prefix)
            self._schemas[path_prefix] = schema
        return self._schemas[path_prefix]


api = _SchemaOnce(
    title="meetings API",
    version="1",
    description="Find a time: polls, answers, agreement and the audit log.",
    urls_namespace="timepolls:api",
    docs_url=None,
    auth=BearerToken(),
    throttle=TokenBucket(),
)


def _error(request: HttpRequest, status: int, message: str, code: str) -> HttpResponse:
    return api.create_response(
        request, {"detail": message, "code": code}, status=status
    )


POLL_ERROR_STATUS = {
    "stale": 412,
    "needs_confirmation": 409,
    "closed": 409,
    "rate_limited": 429,
    "new_address_limit": 429,
    "not_emailed": 409,
    "invalid": 422,
}


@api.exception_handler(services.PollError)
def _poll_error(request: HttpRequest, exc: services.PollError) -> HttpResponse:
    return _error(request, POLL_ERROR_STATUS.get(exc.code, 422), str(exc), exc.code)


@api.exception_handler(NinjaValidationError)
def _request_validation_error(
    request: HttpRequest, exc: NinjaValidationError
) -> HttpResponse:
    problems = [
        f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'body'}: {e.get('msg')}"
        for e in exc.errors
    ]
    message = "; ".join(problems) or gettext("Invalid request.")
    return _error(request, 422, message, "invalid")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = {401: "unauthorized", 429: "rate_limited"}.get(exc.status_code, "error")
    return _error(request, exc.status_code, str(exc), code)


@api.exception_handler(ValidationError)
def _django_validation_error(
    request: HttpRequest, exc: ValidationError
) -> HttpResponse:
    return _error(request, 422, " ".join(exc.messages), "invalid")


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, str(exc) or gettext("Forbidden."), "forbidden")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, gettext("Not found."), "not_found")


@api.exception_handler(RateLimitedError)
def _rate_limited(request: HttpRequest, exc: RateLimitedError) -> HttpResponse:
    response = _error(request, 429, str(exc), "rate_limited")
    response["Retry-After"] = str(exc.retry_after)
    return response


# --- schemas --------------------------------------------------------------------------


def _no_control(value: str) -> str:
    try:
        validate_multiline_text(value)
    except ValidationError:
        raise ValueError(gettext("Control characters are not allowed.")) from None
    return value


def _single_line(value: str) -> str:
    try:
        validate_single_line(value)
    except ValidationError:
        raise ValueError(gettext("Control characters are not allowed.")) from None
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError(gettext("Must not be blank."))
    return value.strip()


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Version = Annotated[int, Field(ge=1, le=2**31 - 1)]
Title = Annotated[
    str, Field(min_length=1, max_length=200), AfterValidator(_single_line),
    AfterValidator(_not_blank),
]  # fmt: skip
Line = Annotated[str, Field(max_length=300), AfterValidator(_single_line)]
LongText = Annotated[str, Field(max_length=5000), AfterValidator(_no_control)]
IsoTime = Annotated[
    str, Field(min_length=1, max_length=80), AfterValidator(_single_line)
]
Zone = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_single_line)]
Slug = Annotated[str, Field(max_length=60), AfterValidator(_single_line)]


class ErrorOut(Schema):
    detail: str
    code: str


class TimeOut(Schema):
    id: int
    start: datetime
    end: datetime
    local_start: str = Field(description="The start in the viewer's zone.")
    yes: int
    maybe: int = Field(description="Answered “if need be”.")
    no: int
    pending: int = Field(description="Parties who have not answered this time.")
    suits_everyone: bool


class PartyOut(Schema):
    id: int
    name: str
    is_organiser: bool
    answered: bool
    comment: str
    email: str | None = Field(None, description="Shown to the organiser only.")
    not_emailed: str | None = Field(
        None,
        description="Organiser only: why the site sends this address no email "
        "(it unsubscribed, reported spam or bounced); null when it may.",
    )


class PollOut(Schema):
    id: int
    title: str
    description: str
    location: str
    duration_minutes: int
    timezone: str
    deadline: datetime | None
    status: Literal["open", "agreed", "cancelled"]
    version: int
    agreed_time_id: int | None
    event_id: int | None
    created_at: datetime
    zone: str = Field(description="The zone `local_start` is given in.")
    times: list[TimeOut] = Field(description="Best times first.")
    parties: list[PartyOut]
    my_party_id: int | None
    my_answers: dict[str, Literal["yes", "maybe", "no"]] = Field(
        description="The caller's answers by time id."
    )
    is_organiser: bool


class PollSummaryOut(Schema):
    id: int
    title: str
    status: str
    version: int
    deadline: datetime | None
    created_at: datetime
    role: Literal["organiser", "party"]


class PollPage(Schema):
    count: int
    page: int
    items: list[PollSummaryOut]


class SlotsIn(Schema):
    start: IsoTime
    end: IsoTime
    interval_minutes: int = Field(ge=5, le=10080)


class PollIn(Schema):
    title: Title
    description: LongText = ""
    location: Line = ""
    duration_minutes: int = Field(ge=5, le=1440)
    timezone: Zone = Field("UTC", description="IANA zone for times without one.")
    times: list[IsoTime] = Field(
        [], max_length=100, description="ISO 8601, any offset or [Zone]."
    )
    slots: SlotsIn | None = Field(
        None, description="Also generate times from a window and an interval."
    )
    deadline: IsoTime | None = None
    parties: list[Line] = Field(
        [], max_length=200, description="Addresses, `Name <address>` allowed."
    )
    group: Slug | None = Field(
        None, description="Slug of one of your groups: its members become parties."
    )
    notify: bool = Field(False, description="Email the private links at once.")


class TimesIn(Schema):
    version: Version
    add: list[IsoTime] = Field([], max_length=100)
    remove: list[Id] = Field([], max_length=100)
    timezone: Zone | None = Field(None, description="Zone for added times without one.")


class AnswerIn(Schema):
    time_id: Id
    choice: Literal["yes", "maybe", "no"]


class AnswersIn(Schema):
    version: Version
    answers: list[AnswerIn] = Field(max_length=100)
    comment: LongText | None = None
    party_id: Id | None = Field(
        None, description="Organisers only: answer for this party (default: you)."
    )


class NotifyIn(Schema):
    party_ids: list[Id] | None = Field(
        None,
        max_length=200,
        description="Re-issue links for these parties; default: everyone not "
        "yet sent one.",
    )


class AgreeIn(Schema):
    version: Version
    time_id: Id
    confirm: bool = Field(False, description="Needed when someone said no.")


class CancelIn(Schema):
    version: Version
    message: LongText = ""


class AuditOut(Schema):
    id: int
    at: datetime
    action: str
    via: str
    actor: str
    actor_kind: str
    detail: dict
    answers_before: dict | None
    answers_after: dict | None


class AuditPage(Schema):
    count: int
    page: int
    items: list[AuditOut]


class PageIn(Schema):
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(20, ge=1, le=100)


ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
UPDATE_ERRORS = {**ERRORS, 409: ErrorOut, 412: ErrorOut}


# --- helpers --------------------------------------------------------------------------


def _access(request: ApiRequest, poll_id: int) -> PollAccess:
    actor: Actor = request.auth
    if actor.user is not None:
        return for_user(actor.user, poll_id, actor=actor)
    party = actor.party
    assert party is not None  # an actor without a user came with a link
    if party.poll_id != poll_id:
        raise Http404
    return PollAccess(poll=party.poll, party=party, is_organiser=False, actor=actor)


def _organiser(request: ApiRequest, poll_id: int) -> PollAccess:
    access = _access(request, poll_id)
    if not access.is_organiser:
        raise PermissionDenied(gettext("Only the poll's organiser can do that."))
    return access


def _poll_out(access: PollAccess) -> dict[str, Any]:
    poll = Poll.objects.select_related("organiser", "agreed_time").get(
        pk=access.poll.pk
    )
    party = access.party
    if party is not None:
        party = Party.objects.get(pk=party.pk)
    zone = party.timezone if party else poll.timezone
    current = tallies.build(poll)
    mine = current.answers.get(party.pk, {}) if party else {}
    reasons = (
        not_emailed(p.email for p in current.parties if not p.is_organiser)
        if access.is_organiser
        else {}
    )
    return {
        **{
            f: getattr(poll, f)
            for f in (
                "id",
                "title",
                "description",
                "location",
                "duration_minutes",
                "timezone",
                "deadline",
                "status",
                "version",
                "agreed_time_id",
                "event_id",
                "created_at",
            )
        },  # fmt: skip
        "zone": zone,
        "times": [_time_out(row, zone) for row in current.rows],
        "parties": [
            {
                "id": p.pk,
                "name": p.name,
                "is_organiser": p.is_organiser,
                "answered": current.answered(p),
                "comment": p.comment,
                "email": p.email if access.is_organiser else None,
                "not_emailed": reasons.get(p.email),
            }  # fmt: skip
            for p in current.parties
        ],
        "my_party_id": party.pk if party else None,
        "my_answers": {str(k): v for k, v in mine.items()},
        "is_organiser": access.is_organiser,
    }


def _time_out(row: tallies.TimeRow, zone: str) -> dict[str, Any]:
    return {
        "id": row.time.pk,
        "start": row.time.start,
        "end": row.time.end,
        "local_start": poll_times.format_iso(row.time.start, zone),
        "yes": len(row.yes),
        "maybe": len(row.maybe),
        "no": len(row.no),
        "pending": len(row.pending),
        "suits_everyone": row.suits_everyone,
    }


def _parse_many(lines: list[str], zone: str) -> list[datetime]:
    return poll_times.parse_times(lines, default_zone=zone)


def _person(request: ApiRequest) -> Actor:
    actor: Actor = request.auth
    if actor.user is None:
        raise PermissionDenied(gettext("A private link can only answer its own poll."))
    return actor


# --- operations -----------------------------------------------------------------------


@api.get("/polls", response={200: PollPage, **ERRORS}, tags=["polls"])
def list_polls(request: ApiRequest, paging: Query[PageIn]) -> dict[str, Any]:
    """Polls you organise or are a party to (a link token sees its one poll)."""
    actor: Actor = request.auth
    if actor.user is not None:
        qs = Poll.objects.for_person(actor.user)
    else:
        assert actor.party is not None  # an actor without a user came with a link
        qs = Poll.objects.filter(pk=actor.party.poll_id)
    qs = qs.order_by("-created_at", "-pk")
    start = (paging.page - 1) * paging.page_size
    items = list(qs[start : start + paging.page_size])
    user_id = getattr(actor.user, "pk", None)
    return {
        "count": qs.count(),
        "page": paging.page,
        "items": [
            {
                "id": p.pk,
                "title": p.title,
                "status": p.status,
                "version": p.version,
                "deadline": p.deadline,
                "created_at": p.created_at,
                "role": "organiser" if p.organiser_id == user_id else "party",
            }  # fmt: skip
            for p in items
        ],
    }


def _requested_times(data: PollIn) -> tuple[list[datetime], datetime | None]:
    """The candidate times (listed and generated) and the deadline, checked."""
    poll_times.get_zone(data.timezone)
    found = _parse_many(data.times, data.timezone)
    if data.slots is not None:
        start = poll_times.parse_time(data.slots.start, default_zone=data.timezone)
        end = poll_times.parse_time(data.slots.end, default_zone=data.timezone)
        poll_times.check_range(start, what=gettext("The window"))
        found = sorted(set(found) | set(poll_times.generate_slots(
            start=start, end=end, interval_minutes=data.slots.interval_minutes,
            duration_minutes=data.duration_minutes,
        )))  # fmt: skip
    deadline = None
    if data.deadline:
        deadline = poll_times.check_range(
            poll_times.parse_time(data.deadline, default_zone=data.timezone),
            what=gettext("The deadline"),
        )
    return found, deadline


@api.post("/polls", response={201: PollOut, **ERRORS}, tags=["polls"])
def create_poll(request: ApiRequest, data: PollIn) -> Status:
    """Propose a poll. The organiser (you) is its first party. Addresses new to
    you (no account, on none of your polls) count against a cap over 24 hours:
    past it, 429 with code `new_address_limit` and nothing stored."""
    actor = _person(request)
    user = actor.user
    assert user is not None  # _person refused actors without one
    found, deadline = _requested_times(data)
    parties = parse_parties("\n".join(data.parties), tz=data.timezone)
    if data.group:
        group = Group.objects.filter(slug=data.group, memberships__user=user).first()
        if group is None:
            raise services.PollError(
                gettext("You are not a member of “%(group)s”.") % {"group": data.group}
            )
        parties += services.group_parties(group)
    with transaction.atomic():
        poll = services.poll_create(
            organiser=user, actor=actor, title=data.title,
            description=data.description, location=data.location,
            duration_minutes=data.duration_minutes, tz=data.timezone, times=found,
            deadline=deadline, parties=parties,
        )  # fmt: skip
        if data.notify:
            services.poll_notify(poll=poll, actor=actor)
    access = for_user(user, poll.pk, actor=actor)
    return Status(201, _poll_out(access))


@api.get("/polls/{poll_id}", response={200: PollOut, **ERRORS}, tags=["polls"])
def get_poll(request: ApiRequest, poll_id: Id) -> dict[str, Any]:
    """A poll with its tally (best times first). Logged as a view."""
    access = _access(request, poll_id)
    services.poll_view(poll=access.poll, actor=access.actor)
    return _poll_out(access)


@api.patch(
    "/polls/{poll_id}/times", response={200: PollOut, **UPDATE_ERRORS}, tags=["polls"]
)
def update_times(request: ApiRequest, poll_id: Id, data: TimesIn) -> dict[str, Any]:
    """Add and remove candidate times (organiser). One log entry per change."""
    access = _organiser(request, poll_id)
    poll = access.poll
    zone = data.timezone or poll.timezone
    poll_times.get_zone(zone)
    added = _parse_many(data.add, zone)
    if not added and not data.remove:
        raise services.PollError(gettext("Give times to add or remove."))
    with transaction.atomic():
        expected: int | None = data.version
        if added:
            services.times_add(poll=poll, actor=access.actor, times=added,
                               expected_version=expected)  # fmt: skip
            expected = None
        for time_id in data.remove:
            time = PollTime.objects.filter(pk=time_id, poll=poll).first()
            if time is None:
                raise services.PollError(
                    gettext("Not a time of this poll: %(times)s.") % {"times": time_id}
                )
            services.time_remove(poll=poll, time=time, actor=access.actor,
                                 expected_version=expected)  # fmt: skip
            expected = None
    return _poll_out(access)


@api.put(
    "/polls/{poll_id}/answers",
    response={200: PollOut, **UPDATE_ERRORS},
    tags=["answers"],
)
def set_answers(request: ApiRequest, poll_id: Id, data: AnswersIn) -> dict[str, Any]:
    """Answer as a party: with your link token, or signed in by API token as the
    party with your address. An organiser may answer for a party (`party_id`)."""
    access = _access(request, poll_id)
    party = access.party
    if data.party_id is not None and (party is None or data.party_id != party.pk):
        if not access.is_organiser:
            raise PermissionDenied(gettext("You can only answer for yourself."))
        party = Party.objects.filter(pk=data.party_id, poll=access.poll).first()
        if party is None:
            raise Http404
    if party is None:
        raise PermissionDenied(gettext("You are not a party to this poll."))
    services.answers_set(
        poll=access.poll, party=party, actor=access.actor,
        choices={a.time_id: a.choice for a in data.answers}, comment=data.comment,
        expected_version=data.version,
    )  # fmt: skip
    return _poll_out(access)


@api.post(
    "/polls/{poll_id}/notify", response={200: PollOut, **UPDATE_ERRORS}, tags=["polls"]
)
def notify(request: ApiRequest, poll_id: Id, data: NotifyIn) -> dict[str, Any]:
    """Email private links (organiser); listed parties get a new link, the old
    one stops working."""
    access = _organiser(request, poll_id)
    services.poll_notify(poll=access.poll, actor=access.actor, party_ids=data.party_ids)
    return _poll_out(access)


@api.post(
    "/polls/{poll_id}/agree", response={200: PollOut, **UPDATE_ERRORS}, tags=["polls"]
)
def agree(request: ApiRequest, poll_id: Id, data: AgreeIn) -> dict[str, Any]:
    """Agree a time (organiser). A time someone said no to needs `confirm`."""
    access = _organiser(request, poll_id)
    time = PollTime.objects.filter(pk=data.time_id, poll=access.poll).first()
    if time is None:
        raise services.PollError(
            gettext("Not a time of this poll: %(times)s.") % {"times": data.time_id}
        )
    services.poll_agree(
        poll=access.poll, time=time, actor=access.actor, confirm=data.confirm,
        expected_version=data.version,
    )  # fmt: skip
    return _poll_out(access)


@api.post(
    "/polls/{poll_id}/cancel", response={200: PollOut, **UPDATE_ERRORS}, tags=["polls"]
)
def cancel(request: ApiRequest, poll_id: Id, data: CancelIn) -> dict[str, Any]:
    """Cancel the poll (organiser); an agreed one sends METHOD:CANCEL."""
    access = _organiser(request, poll_id)
    services.poll_cancel(
        poll=access.poll, actor=access.actor, message=data.message,
        expected_version=data.version,
    )  # fmt: skip
    return _poll_out(access)


@api.get("/polls/{poll_id}/log", response={200: AuditPage, **ERRORS}, tags=["log"])
def audit_log(
    request: ApiRequest, poll_id: Id, paging: Query[PageIn]
) -> dict[str, Any]:
    """The poll's audit log, newest first (organiser and parties)."""
    access = _access(request, poll_id)
    qs = AuditEntry.objects.filter(poll_id=access.poll.pk).order_by("-at", "-pk")
    start = (paging.page - 1) * paging.page_size
    return {
        "count": qs.count(),
        "page": paging.page,
        "items": [
            {
                "id": e.pk,
                "at": e.at,
                "action": e.action,
                "via": e.via,
                "actor": e.actor_label,
                "actor_kind": e.actor_kind,
                "detail": e.detail,
                "answers_before": e.answers_before,
                "answers_after": e.answers_after,
            }  # fmt: skip
            for e in qs[start : start + paging.page_size]
        ],
    }
