from django import forms

from accounts.forms import EmailAddressField, TimeZoneField

from .models import Group


class GroupSettingsForm(forms.ModelForm):
    timezone = TimeZoneField(label="Time zone")

    class Meta:
        model = Group
        fields = ["name", "description", "location", "timezone"]
        labels = {"description": "Description (Markdown)", "location": "Location"}
        help_texts = {"description": "Markdown: **bold**, [links](https://…), lists."}


class OwnerAddForm(forms.Form):
    email = EmailAddressField(
        label="Member's email address", help_text="Only members can become owners."
    )
