from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from core.discovery import app_modules
from core.redirects import safe_next

from . import intents, services
from .forms import (
    ApiTokenForm,
    DeleteAccountForm,
    EmailChangeForm,
    LanguageForm,
    ProfileForm,
    SignInForm,
    SignUpForm,
)
from .http import AuthenticatedHttpRequest
from .models import ApiToken, LoginToken


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"


def _initial(request: HttpRequest) -> dict[str, str]:
    return {
        "next": safe_next(request.GET.get("next"), default=""),
        "intent": intents.clean(request.GET.get("intent", "")),
    }


def _link_request_page(
    request: HttpRequest,
    form_class: type[SignUpForm] | type[SignInForm],
    template: str,
    service: Callable[..., None],
) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(safe_next(request.GET.get("next")))
    if request.method == "POST":
        form = form_class(request.POST, request=request)
        if form.is_valid():
            data = dict(form.cleaned_data)
            language = translation.get_language()
            service(next_url=data.pop("next"), language=language, **data)
            return redirect("accounts:check_inbox")
    else:
        form = form_class(initial=_initial(request), request=request)
    ctx = {
        "form": form,
        "intent_text": intents.describe(form["intent"].value() or ""),
    }
    return render(request, template, ctx)


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    return _link_request_page(
        request, SignUpForm, "accounts/signup.html", services.signup_request
    )


@require_http_methods(["GET", "POST"])
def signin(request: HttpRequest) -> HttpResponse:
    return _link_request_page(
        request, SignInForm, "accounts/signin.html", services.signin_request
    )


@require_safe
def check_inbox(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/check_inbox.html", {})


def _invalid_link(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/link_invalid.html", {}, status=400)


@require_http_methods(["GET", "POST"])
def link(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a confirmation button; only the POST signs in (scanners GET links)."""
    if request.method == "POST":
        user = authenticate(request, token=token)
        if user is None:
            return _invalid_link(request)
        used = user.login_token
        login(request, user)
        messages.success(
            request, _("You are signed in as %(email)s.") % {"email": user.email}
        )
        done = intents.perform(used.intent, user)
        if done:
            messages.success(request, done)
        return redirect(safe_next(used.next_url))
    found = LoginToken.find_usable(
        token, purposes=[LoginToken.Purpose.SIGNIN, LoginToken.Purpose.VERIFY]
    )
    if found is None:
        return _invalid_link(request)
    ctx = {
        "masked_email": mask_email(found.user.email),
        "intent_text": intents.describe(found.intent),
    }
    return render(request, "accounts/link_confirm.html", ctx)


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.success(request, _("You are signed out."))
    return redirect("events:home")


@login_required
@require_POST
def signout_everywhere(request: AuthenticatedHttpRequest) -> HttpResponse:
    """End every session of the person, on every device, this one included."""
    services.sessions_end(user=request.user)
    logout(request)
    messages.success(request, _("You are signed out on every device."))
    return redirect("events:home")


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=request.user)
        if form.is_valid():
            form.save()
            messages.success(request, _("Your profile is saved."))
            return redirect("accounts:profile")
    else:
        form = ProfileForm(instance=request.user)
    return render(request, "accounts/profile.html", _profile_ctx(request, form=form))


def _profile_ctx(
    request: AuthenticatedHttpRequest, **forms: BaseForm
) -> dict[str, Any]:
    # Apps above accounts add their sections (my groups, my calendar feed)
    # through a `profile` module: section(user) -> {"template": ..., **data}.
    ctx = {
        "form": ProfileForm(instance=request.user),
        "email_form": EmailChangeForm(user=request.user, request=request),
        "profile_sections": [m.section(request.user) for m in app_modules("profile")],
    }
    ctx.update(forms)
    return ctx


@login_required
@require_POST
def email_change(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = EmailChangeForm(request.POST, user=request.user, request=request)
    if not form.is_valid():
        ctx = _profile_ctx(request, email_form=form)
        return render(request, "accounts/profile.html", ctx, status=400)
    services.email_change_request(
        user=request.user,
        new_email=form.cleaned_data["email"],
        language=translation.get_language(),
    )
    messages.success(
        request,
        _("We sent a link to %(email)s. Your address changes when you open it.")
        % {"email": form.cleaned_data["email"]},
    )
    return redirect("accounts:profile")


@require_http_methods(["GET", "POST"])
def email_confirm(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        user = services.email_change_confirm(raw_token=token)
        if user is None:
            return _invalid_link(request)
        messages.success(
            request, _("Your email address is now %(email)s.") % {"email": user.email}
        )
        return redirect(
            "accounts:profile" if request.user.is_authenticated else "events:home"
        )
    found = LoginToken.find_usable(token, purposes=[LoginToken.Purpose.EMAIL_CHANGE])
    if found is None:
        return _invalid_link(request)
    return render(
        request, "accounts/email_confirm.html", {"new_email": found.new_email}
    )


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None)
    blockers = services.account_delete_blockers(user=request.user)
    if request.method == "POST" and form.is_valid() and not blockers:
        services.account_delete(user=request.user)
        logout(request)
        messages.success(request, _("Your account has been deleted."))
        return redirect("events:home")
    status = 400 if request.method == "POST" else 200
    ctx = {"form": form, "blockers": blockers}
    return render(request, "accounts/delete.html", ctx, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    raw = None
    if request.method == "POST" and form.is_valid():
        _, raw = services.api_token_create(
            user=request.user, name=form.cleaned_data["name"]
        )
        form = ApiTokenForm()
    tokens = list(ApiToken.objects.filter(user=request.user).order_by("-created_at"))
    ctx = {"form": form, "tokens": tokens, "raw": raw}
    status = 400 if request.method == "POST" and raw is None else 200
    return render(request, "accounts/api_tokens.html", ctx, status=status)


@login_required
@require_POST
def api_token_revoke(request: AuthenticatedHttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    services.api_token_revoke(token=token)
    messages.success(
        request, _("The token “%(name)s” no longer works.") % {"name": token.name}
    )
    return redirect("accounts:api_tokens")


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """The language switcher: Django's set_language (a cookie every page then
    follows, and back to `next`), and for someone signed in the account's
    language too, so their other devices and their email follow."""
    form = LanguageForm(request.POST)
    if not form.is_valid():
        ctx = {
            "title": _("Unknown language"),
            "message": _("Choose one of the languages the list offers."),
        }
        return render(request, "core/error.html", ctx, status=400)
    response = i18n.set_language(request)
    if request.user.is_authenticated:
        request.user.language = form.cleaned_data["language"]
        request.user.save(update_fields=["language"])
    return response
