from typing import Any

from django import forms

from accounts.forms import EmailAddressField, TimeZoneField
from core.images import ImageForm, Shape
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


class OwnerAddForm(forms.Form):
    email = EmailAddressField(
        label="Member's email address", help_text="Only members can become owners."
    )


class LogoForm(ImageForm):
    """A group's logo: square, at most 256 pixels, as PNG (keeps transparency)."""

    shape = Shape(256, 256, "PNG")
    image_label = "Logo"
    alt_label = "Description of the logo (alt text)"
    alt_help = "What the logo shows or says, for people who cannot see it."
