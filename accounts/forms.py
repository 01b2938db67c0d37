import unicodedata
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core import ratelimit
from core.redirects import safe_next
from core.validators import validate_single_line
from notifications.addresses import validate_deliverable_email

from . import intents
from .models import (
    User,
    known_timezones,
    language_choices,
    normalize_email,
    validate_timezone,
)

TOO_MANY = _("Too many attempts. Please wait an hour before asking for another link.")


class EmailAddressField(forms.EmailField):
    """The one email field: trimmed and lowercased, then held to what SendGrid takes."""

    default_validators = [validate_deliverable_email]

    def to_python(self, value: Any) -> str:
        return normalize_email(super().to_python(value))


class NameField(forms.CharField):
    """A person's name in any script, trimmed, 1 to 100 characters."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 100)
        kwargs.setdefault("min_length", 1)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        value = unicodedata.normalize("NFC", super().to_python(value) or "")
        return " ".join(value.split())

    def validate(self, value: str) -> None:
        super().validate(value)
        if any(unicodedata.category(ch).startswith("C") for ch in value):
            raise ValidationError(_("Names cannot contain control characters."))


class TimeZoneField(forms.CharField):
    """An IANA zone name; the page offers the list in a <datalist>."""

    default_validators = [validate_timezone]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"list": "timezone-list", "autocomplete": "off"}),
        )
        kwargs.setdefault("help_text", _("Type to search, e.g. Europe/Berlin."))
        super().__init__(**kwargs)

    @staticmethod
    def choices() -> list[str]:
        return sorted(known_timezones())


class _LinkRequestForm(forms.Form):
    """Shared by sign-up and sign-in: rate limits, `next` and `intent`."""

    next = forms.CharField(required=False, widget=forms.HiddenInput)
    intent = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_next(self) -> str:
        return safe_next(self.cleaned_data.get("next"), default="")

    def clean_intent(self) -> str:
        return intents.clean(self.cleaned_data.get("intent", ""))

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        email = cleaned.get("email")
        if email and not self.errors:
            ip_key = ratelimit.hashed_key("ip", ratelimit.client_ip(self.request))
            per_client = settings.LINK_REQUESTS_PER_CLIENT
            if not ratelimit.take(ip_key, capacity=per_client, period=3600):
                raise ValidationError(TOO_MANY, code="rate_limited")
            email_key = ratelimit.hashed_key("email", email)
            per_address = settings.LINK_REQUESTS_PER_ADDRESS
            if not ratelimit.take(email_key, capacity=per_address, period=3600):
                raise ValidationError(TOO_MANY, code="rate_limited")
        return cleaned


class SignUpForm(_LinkRequestForm):
    name = NameField(label=_("Your name"))
    email = EmailAddressField(label=_("Email address"))
    # Optional so that a form posted without it still works; the page's script
    # fills in the browser's zone, and an empty field means UTC.
    timezone = TimeZoneField(
        label=_("Time zone"),
        required=False,
        help_text=_(
            "Event times are shown in this zone too. "
            "Type to search, e.g. Europe/Berlin; empty means UTC."
        ),
    )

    field_order = ["name", "email", "timezone"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["timezone"].widget.attrs["data-detect-timezone"] = ""

    def clean_timezone(self) -> str:
        return self.cleaned_data.get("timezone") or "UTC"


class SignInForm(_LinkRequestForm):
    email = EmailAddressField(label=_("Email address"))


def _profile_languages() -> list[tuple[str, str]]:
    return [("", gettext("The browser’s language")), *language_choices()]


class ProfileForm(forms.ModelForm):
    name = NameField(label=_("Name"))
    timezone = TimeZoneField(label=_("Time zone"))
    language = forms.ChoiceField(
        label=_("Language"),
        choices=_profile_languages,
        required=False,
        help_text=_("Pages and emails come in this language."),
    )

    class Meta:
        model = User
        fields = ["name", "timezone", "language", "website", "github", "linkedin"]
        labels = {
            "website": _("Website"),
            "github": "GitHub",
            "linkedin": "LinkedIn",
        }
        help_texts = {
            "github": _("Your GitHub profile, e.g. https://github.com/you"),
            "linkedin": _(
                "Your LinkedIn profile, e.g. https://www.linkedin.com/in/you"
            ),
        }

    def _profile_url(self, field: str, hosts: tuple[str, ...]) -> str:
        value = self.cleaned_data.get(field, "")
        if value:
            host = value.split("://", 1)[-1].split("/", 1)[0].lower()
            path = value.split("://", 1)[-1].partition("/")[2].strip("/")
            if not value.startswith("https://") or host not in hosts or not path:
                raise ValidationError(
                    _(
                        "Enter your profile address on %(host)s "
                        "(starting with https://)."
                    ),
                    params={"host": hosts[0]},
                )
        return value

    def clean_github(self) -> str:
        return self._profile_url("github", ("github.com", "www.github.com"))

    def clean_linkedin(self) -> str:
        return self._profile_url("linkedin", ("www.linkedin.com", "linkedin.com"))


class EmailChangeForm(forms.Form):
    email = EmailAddressField(label=_("New email address"))

    def __init__(
        self, *args: Any, user: User, request: HttpRequest, **kwargs: Any
    ) -> None:
        self.user = user
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if email == self.user.email:
            raise ValidationError(_("That is already your email address."))
        per_account = settings.EMAIL_CHANGES_PER_ACCOUNT
        # Per address, so nobody is flooded; per account, so one account cannot
        # make the site mail address after address. A refusal by either gives
        # back the token the other took (the block rolls back).
        with transaction.atomic():
            key = ratelimit.hashed_key("email", email)
            if not ratelimit.take(key, capacity=5, period=3600):
                raise ValidationError(TOO_MANY, code="rate_limited")
            key = f"email-change:user:{self.user.pk}"
            if not ratelimit.take(key, capacity=per_account, period=86400):
                raise ValidationError(
                    _(
                        "This account has asked for too many address-change "
                        "links (%(limit)s a day). Please try again later."
                    ),
                    params={"limit": per_account},
                    code="rate_limited",
                )
        return email


class DeleteAccountForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "I understand that my account, memberships and replies are removed "
            "for good."
        ),
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=60,
        validators=[validate_single_line],
        help_text=_("What the token is for, e.g. “calendar script”."),
    )


class LanguageForm(forms.Form):
    """The language switcher's choice (Django's set_language reads it too)."""

    language = forms.ChoiceField(label=_("Language"), choices=language_choices)
