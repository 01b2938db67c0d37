import csv
import io
from email.utils import parseaddr
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.forms import EmailAddressField, TimeZoneField
from accounts.models import normalize_email
from core.images import ImageForm, Shape
from core.redirects import safe_next
from core.validators import (
    add_validators,
    validate_multiline_text,
    validate_single_line,
)
from notifications.addresses import validate_deliverable_email

from .models import Group, Membership


class GroupSettingsForm(forms.ModelForm):
    timezone = TimeZoneField(label=_("Time zone"))

    class Meta:
        model = Group
        fields = ["name", "description", "location", "timezone"]
        labels = {
            "name": _("Name"),
            "description": _("Description (Markdown)"),
            "location": _("Location"),
        }
        help_texts = {
            "description": _("Markdown: **bold**, [links](https://…), lists.")
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        add_validators(self, validate_single_line, "name", "location")
        add_validators(self, validate_multiline_text, "description")


class JoinForm(forms.Form):
    """Joining; `next` is where to go afterwards (the group page by default)."""

    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_next(self) -> str:
        return safe_next(self.cleaned_data.get("next"), default="")


class ExportConsentForm(forms.ModelForm):
    """A member's "take me along" choice, on the group page (off until they say)."""

    class Meta:
        model = Membership
        fields = ["export_consent"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class OwnerAddForm(forms.Form):
    email = EmailAddressField(
        label=_("Member's email address"),
        help_text=_("Only members can become owners."),
    )


MAX_INVITE_FILE_BYTES = 1_000_000
MAX_INVITE_LINES = 2_000


class InviteForm(forms.Form):
    """Addresses to invite, pasted or in a CSV file; `people()` lists them."""

    addresses = forms.CharField(
        label=_("Email addresses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "One per line; a name may come with it, e.g. “Ada Lovelace "
            "&lt;ada@example.org&gt;” or “ada@example.org, Ada Lovelace”."
        ),
    )
    csv_file = forms.FileField(
        label=_("Or a CSV file"),
        required=False,
        help_text=_(
            "A column of email addresses, e.g. Meetup's or Luma's member "
            "export; other columns are ignored. At most 1 MB."
        ),
    )
    note = forms.CharField(
        label=_("A note from you (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        add_validators(self, validate_multiline_text, "addresses", "note")

    def clean_csv_file(self) -> list[str]:
        upload = self.cleaned_data.get("csv_file")
        if not upload:
            return []
        if upload.size > MAX_INVITE_FILE_BYTES:
            raise ValidationError(_("The file is larger than 1 MB."))
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ValidationError(_("Upload a CSV file in UTF-8.")) from error
        if "\x00" in text:
            raise ValidationError(_("Upload a CSV file in UTF-8."))
        found = [
            cell.strip()
            for row in csv.reader(io.StringIO(text))
            for cell in row
            if "@" in cell
        ]
        if not found:
            raise ValidationError(_("The file has no email addresses."))
        return found

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        pasted = [
            line
            for line in (cleaned.get("addresses") or "").splitlines()
            if line.strip()
        ]
        entries = pasted + list(cleaned.get("csv_file") or [])
        if not self.errors and not entries:
            raise ValidationError(_("Paste addresses or choose a CSV file."))
        if len(entries) > MAX_INVITE_LINES:
            raise ValidationError(
                _("At most %(limit)s addresses at a time, please."),
                params={"limit": MAX_INVITE_LINES},
            )
        cleaned["entries"] = entries
        return cleaned

    def people(self) -> tuple[list[str], list[str]]:
        """(valid addresses in order, lowercased and unique; entries that are not)."""
        valid: list[str] = []
        invalid: list[str] = []
        for entry in self.cleaned_data["entries"]:
            address = _address_in(entry)
            try:
                if address is None:
                    raise ValidationError("no address")
                address = normalize_email(address)
                validate_deliverable_email(address)
            except ValidationError:
                invalid.append(entry.strip())
                continue
            if address not in valid:
                valid.append(address)
        return valid, invalid


def _address_in(entry: str) -> str | None:
    """The address of "Name <a@b>", "a@b, Name", "Name,a@b" or "a@b"."""
    _, address = parseaddr(entry)
    if "@" in address and "," not in entry:
        return address
    for part in entry.split(","):
        part = part.strip().strip("<>").strip()
        if "@" in part:
            return part
    return None


class LogoForm(ImageForm):
    """A group's logo: square, at most 256 pixels, as PNG (keeps transparency)."""

    shape = Shape(256, 256, "PNG")
    image_label = _("Logo")
    alt_label = _("Description of the logo (alt text)")
    alt_help = _("What the logo shows or says, for people who cannot see it.")
