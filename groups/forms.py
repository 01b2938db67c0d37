from typing import Any

from django import forms

from accounts.forms import EmailAddressField, TimeZoneField
from core.redirects import safe_next
from core.validators import (
    add_validators,
    validate_multiline_text,
    validate_single_line,
)

from .models import Group


class GroupSettingsForm(forms.ModelForm):
    timezone = TimeZoneField(label="Time zone")

    class Meta:
        model = Group
        fields = ["name", "description", "location", "timezone"]
        labels = {"description": "Description (Markdown)", "location": "Location"}
        help_texts = {"description": "Markdown: **bold**, [links](https://…), lists."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        add_validators(self, validate_single_line, "name", "location")
        add_validators(self, validate_multiline_text, "description")


class JoinForm(forms.Form):
    """Joining; `next` is where to go afterwards (the group page by default)."""

    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_next(self) -> str:
        return safe_next(self.cleaned_data.get("next"), default="")


class OwnerAddForm(forms.Form):
    email = EmailAddressField(
        label="Member's email address", help_text="Only members can become owners."
    )
