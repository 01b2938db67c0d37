from collections.abc import Iterable, Iterator
from typing import Any, cast

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from core.validators import (
    add_validators,
    validate_multiline_text,
    validate_single_line,
)
from events.models import Event
from groups.models import Group, Membership
from notifications.models import Topic

from .models import Mailing


class EventChoiceField(forms.ModelChoiceField):
    """Events named with their date, in the event's own zone."""

    def label_from_instance(self, obj: Any) -> str:
        when = date_format(obj.local_start, "SHORT_DATETIME_FORMAT")
        return f"{obj.title} · {when} ({obj.timezone})"


class MailingForm(forms.ModelForm):
    class Meta:
        model = Mailing
        fields = ["audience", "event", "subject", "body"]
        labels = {
            "audience": _("Send to"),
            "event": _("Event"),
            "subject": _("Subject"),
            "body": _("Message (Markdown)"),
        }
        help_texts = {"event": _("Needed for every audience except all members.")}
        field_classes = {"event": EventChoiceField}

    def __init__(self, *args: Any, group: Group, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        add_validators(self, validate_single_line, "subject")
        add_validators(self, validate_multiline_text, "body")
        self.group = group
        event_field = cast(forms.ModelChoiceField, self.fields["event"])
        event_field.queryset = Event.objects.filter(group=group).order_by("-start")
        event_field.required = False

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        audience, event = cleaned.get("audience"), cleaned.get("event")
        if audience and audience != Mailing.Audience.MEMBERS and event is None:
            self.add_error("event", _("Choose the event this audience refers to."))
        if audience == Mailing.Audience.MEMBERS:
            cleaned["event"] = None
        return cleaned


class PreferencesForm(forms.Form):
    """One checkbox per group and topic; unchecked means opted out."""

    def __init__(
        self,
        *args: Any,
        memberships: Iterable[Membership],
        opted_out: set[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.rows: list[tuple[Group, list[forms.BoundField]]] = []
        for membership in memberships:
            group = membership.group
            fields = []
            for topic in Topic:
                name = f"g{group.pk}_{topic.value}"
                self.fields[name] = forms.BooleanField(
                    label=_("%(group)s: %(topic)s")
                    % {"group": group.name, "topic": topic.label},
                    required=False,
                    initial=(group.pk, topic.value) not in opted_out,
                )
                fields.append(self[name])
            self.rows.append((group, fields))

    def choices(self) -> Iterator[tuple[int, str, bool]]:
        """(group id, topic, wanted) for every box."""
        for name, value in self.cleaned_data.items():
            group_part, topic = name.split("_", 1)
            yield int(group_part[1:]), topic, value
