"""Pages behind a party's private link. The link never signs anyone in.

A working link shows its party's view of its poll. An expired or revoked one
shows a page from which the party can ask the organiser for a new link; such
uses are logged, like views, once an hour per party. An unknown token is a
plain 404 (it names no poll).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from . import pages, services
from .access import for_link
from .forms import LinkRequestForm
from .models import AuditEntry, PartyLink
from .views import log_context

VIA = AuditEntry.Via.LINK

LinkView = Callable[[HttpRequest, PartyLink, str], HttpResponse]


def _private(view: LinkView) -> Callable[..., HttpResponse]:
    """Look the link up; keep the token out of caches and Referer headers."""

    @wraps(view)
    def wrapper(
        request: HttpRequest, token: str, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        link = PartyLink.lookup(token)
        if link is None:
            raise Http404(_("This link is not valid."))
        response = view(request, link, token, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        return response

    return never_cache(wrapper)


def _dead(
    request: HttpRequest,
    link: PartyLink,
    token: str,
    form: LinkRequestForm | None = None,
    status: int = 410,
) -> HttpResponse:
    services.link_rejected(link=link, via=VIA)
    return _dead_page(request, link, token, form=form, status=status)


def _dead_page(
    request: HttpRequest,
    link: PartyLink,
    token: str,
    *,
    form: LinkRequestForm | None = None,
    status: int = 410,
) -> HttpResponse:
    ctx = {
        "poll": link.party.poll,
        "party": link.party,
        "problem": link.problem,
        "form": form or LinkRequestForm(),
        "token": token,
    }
    return render(request, "timepolls/link_dead.html", ctx, status=status)


@require_safe
@_private
def link(request: HttpRequest, link: PartyLink, token: str) -> HttpResponse:
    if not link.is_usable:
        return _dead(request, link, token)
    access = for_link(link, via=VIA)
    services.poll_view(poll=access.poll, actor=access.actor)
    ctx = pages.poll_context(access, user=request.user, link_token=token)
    return render(request, "timepolls/detail.html", ctx)


@require_POST
@_private
def link_answer(request: HttpRequest, link: PartyLink, token: str) -> HttpResponse:
    if not link.is_usable:
        return _dead(request, link, token)
    return pages.answer_response(request, for_link(link, via=VIA), link_token=token)


@require_POST
@_private
def link_zone(request: HttpRequest, link: PartyLink, token: str) -> HttpResponse:
    if not link.is_usable:
        return _dead(request, link, token)
    return pages.zone_response(request, for_link(link, via=VIA), link_token=token)


@require_safe
@_private
def link_log(request: HttpRequest, link: PartyLink, token: str) -> HttpResponse:
    if not link.is_usable:
        return _dead(request, link, token)
    ctx = log_context(request, link.party.poll, link_token=token)
    return render(request, "timepolls/log.html", ctx)


@require_POST
@_private
def link_request(request: HttpRequest, link: PartyLink, token: str) -> HttpResponse:
    """A party with a dead link asks the organiser for a new one."""
    if link.is_usable:
        return redirect("timepolls:link", token=token)
    form = LinkRequestForm(request.POST)
    if not form.is_valid():
        return _dead_page(request, link, token, form=form, status=400)
    try:
        services.party_link_request(link=link, note=form.cleaned_data["note"])
    except services.PollError as error:
        form.add_error(None, str(error))
        return _dead_page(request, link, token, form=form, status=429)
    ctx = {"poll": link.party.poll, "party": link.party}
    return render(request, "timepolls/link_requested.html", ctx)
