from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from accounts.http import AuthenticatedHttpRequest
from core.csv import csv_response, csv_safe
from core.markdown import render_markdown

from . import archive, services
from .access import can_manage, get_group, get_group_for_member, get_group_for_owner
from .forms import (
    ExportConsentForm,
    GroupSettingsForm,
    InviteForm,
    JoinForm,
    LogoForm,
    OwnerAddForm,
)
from .models import Group, Membership

MEMBERS_PER_PAGE = 50


@require_POST
def join(request: HttpRequest, slug: str) -> HttpResponse:
    group = get_group(slug)
    form = JoinForm(request.POST)
    form.is_valid()  # the only field falls back to "" when it is not a safe path
    next_url = form.cleaned_data.get("next") or group.get_absolute_url()
    if not request.user.is_authenticated:
        query = urlencode({"next": next_url, "intent": f"join:{slug}"})
        return redirect(f"{reverse('accounts:signin')}?{query}")
    _, created = services.membership_join(user=request.user, group=group)
    if created:
        messages.success(
            request, gettext("Welcome to %(group)s!") % {"group": group.name}
        )
    return redirect(next_url)


@login_required
@require_http_methods(["GET", "POST"])
def leave(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    group, membership = get_group_for_member(request, slug)
    if request.method == "POST":
        try:
            services.membership_leave(user=request.user, group=group)
        except services.GroupError as error:
            messages.error(request, str(error))
            return redirect(group)
        messages.success(
            request, gettext("You left %(group)s.") % {"group": group.name}
        )
        return redirect(group)
    only_owner = bool(membership and membership.is_owner) and (
        services.owner_count(group) == 1
    )
    return render(
        request, "groups/leave.html", {"group": group, "only_owner": only_owner}
    )


@login_required
@require_safe
def members(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    group, membership = get_group_for_member(request, slug)
    is_owner = can_manage(request.user, group, membership=membership)
    # Tuples, not instances: the rows show four values (member_rows).
    qs = (
        Membership.objects.filter(group=group)
        .order_by("joined_at", "pk")
        .values_list("user__name", "user__email", "role", "joined_at")
    )
    paginator = Paginator(qs, MEMBERS_PER_PAGE)
    paginator.count = group.member_count  # counted by the database, as they join
    page = paginator.get_page(request.GET.get("page"))
    ctx = {"group": group, "page": page, "is_owner": is_owner}
    return render(request, "groups/members.html", ctx)


@login_required
@require_safe
def members_csv(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    group = get_group_for_owner(request, slug)
    response, writer = csv_response(
        f"{group.slug}-members.csv", ["name", "email", "role", "joined"]
    )
    rows = (
        Membership.objects.filter(group=group)
        .order_by("joined_at", "pk")
        .values_list("user__name", "user__email", "role", "joined_at")
        .iterator(chunk_size=2000)
    )
    for name, email, role, joined in rows:
        writer.writerow([csv_safe(name), email, role, joined.date().isoformat()])
    return response


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    group = get_group_for_owner(request, slug)
    form = GroupSettingsForm(request.POST or None, instance=group)
    preview = None
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            preview = render_markdown(form.cleaned_data["description"])
        else:
            form.save()
            messages.success(request, gettext("The group's settings are saved."))
            return redirect("groups:settings", slug=group.slug)
    return render(request, "groups/settings.html", _settings_ctx(group, form, preview))


@login_required
@require_http_methods(["GET", "POST"])
def logo(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Upload or replace the group's logo, or change its alt text."""
    group = get_group_for_owner(request, slug)
    has_logo = bool(group.logo)
    form = LogoForm(
        request.POST or None,
        request.FILES or None,
        has_image=has_logo,
        initial={"alt": group.logo_alt},
    )
    if request.method == "POST" and form.is_valid():
        services.group_logo_set(
            group=group, image=form.cleaned_data["image"], alt=form.cleaned_data["alt"]
        )
        messages.success(request, gettext("The logo is saved."))
        return redirect(group)
    ctx = {"group": group, "form": form, "has_logo": has_logo}
    return render(request, "groups/logo.html", ctx)


@login_required
@require_POST
def logo_remove(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    group = get_group_for_owner(request, slug)
    if group.logo:
        services.group_logo_remove(group=group)
        messages.success(request, gettext("The logo is removed."))
    return redirect(group)


def _settings_ctx(
    group: Group,
    form: GroupSettingsForm,
    preview: str | None = None,
    owner_form: OwnerAddForm | None = None,
) -> dict[str, Any]:

    group.refresh_from_db()
    return {
        "group": group,
        "form": form,
        "preview": preview,
        "owner_form": owner_form or OwnerAddForm(),
        "owners": group.owners_by_name(),
    }


@login_required
@require_POST
def owner_add(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    group = get_group_for_owner(request, slug)
    form = OwnerAddForm(request.POST)
    if form.is_valid():
        try:
            membership = services.owner_add(
                group=group, email=form.cleaned_data["email"]
            )
        except services.GroupError as error:
            form.add_error("email", str(error))
        else:
            messages.success(
                request,
                gettext("%(name)s is now an owner.") % {"name": membership.user.name},
            )
            return redirect("groups:settings", slug=group.slug)
    ctx = _settings_ctx(group, GroupSettingsForm(instance=group), owner_form=form)
    return render(request, "groups/settings.html", ctx, status=400)


@login_required
@require_POST
def owner_remove(
    request: AuthenticatedHttpRequest, slug: str, user_id: int
) -> HttpResponse:
    group = get_group_for_owner(request, slug)
    membership = (
        Membership.objects.select_related("user")
        .filter(group=group, user_id=user_id, role=Membership.Role.OWNER)
        .first()
    )
    if membership is None:
        messages.error(request, gettext("That person is not an owner."))
        return redirect("groups:settings", slug=group.slug)
    try:
        services.owner_remove(group=group, email=membership.user.email)
    except services.GroupError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            gettext("%(name)s is no longer an owner.") % {"name": membership.user.name},
        )
    return redirect("groups:settings", slug=group.slug)


@login_required
@require_http_methods(["GET", "POST"])
def invite(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Owners invite people by address; the summary shows what became of each."""
    group = get_group_for_owner(request, slug)
    form = InviteForm(request.POST or None, request.FILES or None)
    summary = None
    if request.method == "POST" and form.is_valid():
        addresses, invalid = form.people()
        try:
            summary = services.invitations_send(
                group=group,
                inviter=request.user,
                addresses=addresses,
                invalid=invalid,
                note=form.cleaned_data["note"],
            )
        except services.GroupError as error:
            form.add_error(None, str(error))
        else:
            form = InviteForm()
    ctx = {
        "group": group,
        "form": form,
        "summary": summary,
        "left": services.invites_left(group=group),
    }
    return render(request, "groups/invite.html", ctx)


@login_required
@require_POST
def take_along(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """A member's own choice: may the owners take them along to another site?"""
    group, membership = get_group_for_member(request, slug)
    if membership is None:  # staff see the group, but choose only for themselves
        raise PermissionDenied(
            gettext("Only members choose this, each for themselves.")
        )
    form = ExportConsentForm(request.POST, instance=membership)
    if form.is_valid():  # a checkbox: always
        form.save()
    if membership.export_consent:
        messages.success(
            request,
            gettext(
                "The owners may take your name and address along if the group "
                "moves to another site."
            ),
        )
    else:
        messages.success(
            request, gettext("Your name and address stay here if the group moves.")
        )
    return redirect(group)


@login_required
@require_http_methods(["GET", "POST"])
def export(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The group's archive: GET says what is in it and who is left out, POST
    downloads it (a POST, so a link or a crawler never builds one)."""
    group = get_group_for_owner(request, slug)
    if request.method == "POST":
        response = HttpResponse(
            archive.archive_build(group=group), content_type="application/zip"
        )
        name = archive.archive_name(group)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    agreed, left_out = archive.consent_counts(group=group)
    ctx = {
        "group": group,
        "agreed": agreed,
        "left_out": left_out,
        "members": agreed + left_out,
    }
    return render(request, "groups/export.html", ctx)
