from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db.models import Model
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from core.validators import (
    add_validators,
    validate_multiline_text,
    validate_single_line,
)
from events.forms import LocalDateTimeField, localize

from .models import Interest, Room, Session, Slot, Unconference, title_key

MAX_SECONDS = 60
OUTSIDE_EVENT = _("A slot must lie within the event's start and end.")
WEIGHT_MAX = 100


class SlotChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Model) -> str:
        return str(obj)


class SettingsForm(forms.ModelForm):
    class Meta:
        model = Unconference
        fields = [
            "enabled", "proposals_open", "interest_open",
            "weight_a_little", "weight_yes", "weight_very",
        ]  # fmt: skip
        labels = {
            "enabled": _("Unconference mode on"),
            "proposals_open": _("Proposals open"),
            "interest_open": _("Interest open (attendees can mark their interest)"),
            "weight_a_little": _("Weight of “a little”"),
            "weight_yes": _("Weight of “yes”"),
            "weight_very": _("Weight of “very”"),
        }
        help_texts = {
            "enabled": _("Off hides the programme from everyone but the owners."),
            "weight_very": _(
                "Also what a proposer counts for their own session. "
                "“Not interested” always counts 0."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("weight_a_little", "weight_yes", "weight_very"):
            self.fields[name].validators.append(MaxValueValidator(WEIGHT_MAX))
            self.fields[name].widget.attrs["max"] = WEIGHT_MAX

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        little, yes, very = (
            cleaned.get("weight_a_little"),
            cleaned.get("weight_yes"),
            cleaned.get("weight_very"),
        )
        if little is not None and yes is not None and very is not None:
            if not little <= yes <= very:
                raise ValidationError(
                    _("The weights must grow: “a little” ≤ “yes” ≤ “very”.")
                )
            if very < 1:
                self.add_error("weight_very", _("“Very” must count at least 1."))
        return cleaned


class RoomForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = ["name", "capacity"]
        labels = {"name": _("Room name"), "capacity": _("Capacity (people)")}

    def __init__(self, *args: Any, unconference: Unconference, **kwargs: Any) -> None:
        self.unconference = unconference
        super().__init__(*args, **kwargs)
        add_validators(self, validate_single_line, "name")
        capacity = cast(forms.IntegerField, self.fields["capacity"])
        capacity.min_value = 1
        capacity.widget.attrs["min"] = 1

    def clean_capacity(self) -> int:
        capacity = self.cleaned_data["capacity"]
        if capacity < 1:
            raise ValidationError(_("A room holds at least one person."))
        return capacity

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        clash = Room.objects.filter(
            unconference=self.unconference, name__iexact=name
        ).exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(
                _("There is a room called “%(name)s” already."), params={"name": name}
            )
        return name


class SlotForm(forms.ModelForm):
    start = LocalDateTimeField(
        label=_("Starts"), help_text=_("In the event's time zone.")
    )
    end = LocalDateTimeField(label=_("Ends"), help_text=_("In the event's time zone."))

    class Meta:
        model = Slot
        fields = ["start", "end", "is_break", "label"]
        labels = {"is_break": _("This is a break"), "label": _("Label (optional)")}
        help_texts = {"label": _("For example “Lunch” or “Day 2 morning”.")}

    def __init__(self, *args: Any, unconference: Unconference, **kwargs: Any) -> None:
        self.unconference = unconference
        super().__init__(*args, **kwargs)
        add_validators(self, validate_single_line, "label")
        zone = unconference.event.zone
        if self.instance.pk and not self.is_bound:
            self.initial["start"] = self.instance.start.astimezone(zone).replace(
                tzinfo=None
            )
            self.initial["end"] = self.instance.end.astimezone(zone).replace(
                tzinfo=None
            )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        event = self.unconference.event
        # A day's margin covers any change of UTC offset; the exact check
        # follows. Far outside, attaching the zone would overflow (year 1).
        earliest = event.local_start.replace(tzinfo=None) - timedelta(days=1)
        latest = event.local_end.replace(tzinfo=None) + timedelta(days=1)
        for name in ("start", "end"):
            wall = cleaned.get(name)
            if wall is not None and not earliest <= wall <= latest:
                self.add_error(name, OUTSIDE_EVENT)
                cleaned.pop(name, None)
            elif wall is not None:
                try:
                    cleaned[name] = localize(cleaned[name], event.zone)
                except ValidationError as error:
                    self.add_error(name, error)
                    cleaned.pop(name, None)
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is None or end is None:
            return cleaned
        if end <= start:
            self.add_error("end", _("The end must be after the start."))
        elif start < event.start or end > event.end:
            raise ValidationError(OUTSIDE_EVENT)
        else:
            overlap = (
                Slot.objects.filter(
                    unconference=self.unconference, start__lt=end, end__gt=start
                )
                .exclude(pk=self.instance.pk)
                .first()
            )
            if overlap is not None:
                raise ValidationError(
                    _("This overlaps the slot %(slot)s."), params={"slot": str(overlap)}
                )
        return cleaned


class SessionForm(forms.ModelForm):
    unavailable_slots = SlotChoiceField(
        queryset=Slot.objects.none(),
        required=False,
        label=_("Slots you cannot make (optional)"),
    )

    class Meta:
        model = Session
        fields = ["title", "description", "unavailable_slots"]
        labels = {"title": _("Title"), "description": _("Description (Markdown)")}

    def __init__(self, *args: Any, unconference: Unconference, **kwargs: Any) -> None:
        self.unconference = unconference
        super().__init__(*args, **kwargs)
        add_validators(self, validate_single_line, "title")
        add_validators(self, validate_multiline_text, "description")
        unavailable = cast(SlotChoiceField, self.fields["unavailable_slots"])
        unavailable.queryset = Slot.objects.filter(
            unconference=unconference, is_break=False
        ).select_related("unconference__event")

    def clean_title(self) -> str:
        title = " ".join(self.cleaned_data["title"].split())
        key = title_key(title)
        if not key:
            raise ValidationError(_("Give the session a title."))
        clash = (
            Session.objects.filter(unconference=self.unconference, title_key=key)
            .exclude(pk=self.instance.pk)
            .first()
        )
        if clash is not None:
            raise ValidationError(
                _(
                    "There is a session called “%(title)s” in this event already "
                    "(titles are compared ignoring case and spaces). Choose "
                    "another title, or mark your interest in that session."
                ),
                params={"title": clash.title},
            )
        return title


class PlacementForm(forms.ModelForm):
    """Owners: pin a session to a slot (and maybe a room), or keep it out of slots."""

    excluded_slots = SlotChoiceField(
        queryset=Slot.objects.none(),
        required=False,
        label=_("Keep this session out of these slots"),
    )

    class Meta:
        model = Session
        fields = ["pinned_slot", "pinned_room", "excluded_slots"]
        labels = {"pinned_slot": _("Pin to slot"), "pinned_room": _("Pin to room")}
        help_texts = {
            "pinned_slot": _("Leave empty to let the scheduler choose."),
            "pinned_room": _("Needs a slot. Leave empty to let the scheduler choose."),
        }

    def __init__(self, *args: Any, unconference: Unconference, **kwargs: Any) -> None:
        self.unconference = unconference
        super().__init__(*args, **kwargs)
        slots = Slot.objects.filter(
            unconference=unconference, is_break=False
        ).select_related("unconference__event")
        cast(forms.ModelChoiceField, self.fields["pinned_slot"]).queryset = slots
        cast(SlotChoiceField, self.fields["excluded_slots"]).queryset = slots
        cast(
            forms.ModelChoiceField, self.fields["pinned_room"]
        ).queryset = Room.objects.filter(unconference=unconference)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        slot, room = cleaned.get("pinned_slot"), cleaned.get("pinned_room")
        if room is not None and slot is None:
            self.add_error(
                "pinned_room", _("Choose a slot too when pinning to a room.")
            )
            return cleaned
        if slot is None:
            return cleaned
        if slot in (cleaned.get("excluded_slots") or []):
            self.add_error(
                "pinned_slot", _("This slot is also among the excluded ones.")
            )
        session = self.instance
        if session.unavailable_slots.filter(pk=slot.pk).exists():
            self.add_error("pinned_slot", _("The proposer cannot make this slot."))
        others = Session.objects.filter(
            unconference=self.unconference, pinned_slot=slot
        ).exclude(pk=session.pk)
        if room is not None and others.filter(pinned_room=room).exists():
            self.add_error(
                "pinned_room", _("Another session is pinned to this room then.")
            )
        rooms = Room.objects.filter(unconference=self.unconference).count()
        if others.count() >= rooms:
            self.add_error(
                "pinned_slot", _("Every room is taken by pins in this slot.")
            )
        if session.proposer_id and (
            others.filter(proposer_id=session.proposer_id).exists()
        ):
            self.add_error(
                "pinned_slot",
                _("The proposer has another session pinned to this slot."),
            )
        return cleaned


class InterestForm(forms.Form):
    """One radio group per session. Missing answers leave a rating unchanged,
    so the script can post one choice at a time to the same URL."""

    def __init__(
        self,
        *args: Any,
        sessions: Iterable[Session],
        mine: dict[int, str] | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        mine = mine or {}
        self.sessions = list(sessions)
        for session in self.sessions:
            self.fields[f"s{session.pk}"] = forms.ChoiceField(
                label=session.title,
                choices=Interest.Level.choices,
                required=False,
                widget=forms.RadioSelect,
                initial=mine.get(session.pk),
            )

    def levels(self) -> dict[int, str]:
        """session pk -> chosen level, for the answers given."""
        return {
            int(name[1:]): value
            for name, value in self.cleaned_data.items()
            if value and name[1:].isdigit()
        }


class RunForm(forms.Form):
    seconds = forms.FloatField(
        label=_("Seconds to search"),
        min_value=0.5,
        max_value=MAX_SECONDS,
        initial=5,
        help_text=format_lazy(
            _(
                "Up to {limit}. The search does a fixed amount of work, sized to "
                "take about this many seconds of the server's CPU time; a busy server "
                "takes longer. More time can find a better timetable."
            ),
            limit=MAX_SECONDS,
        ),
    )
    seed = forms.IntegerField(
        label=_("Random seed (optional)"),
        required=False,
        min_value=0,
        max_value=2**31 - 1,
        help_text=_(
            "The same seed, seconds and data give the same timetable, unless the "
            "server was so busy that the search hit its time limit (the run then "
            "says so). Empty: a random one."
        ),
    )

    def clean_seed(self) -> int:
        seed = self.cleaned_data["seed"]
        return secrets.randbelow(2**31) if seed is None else seed


class MoveForm(forms.Form):
    """Owners adjust a finished timetable by hand: one session to another cell."""

    session = forms.TypedChoiceField(label=_("Session"), coerce=int)
    slot = forms.TypedChoiceField(label=_("Slot"), coerce=int)
    room = forms.TypedChoiceField(label=_("Room"), coerce=int)

    def __init__(
        self,
        *args: Any,
        sessions: Iterable[Session],
        slots: Iterable[Slot],
        rooms: Iterable[Room],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["session"]).choices = [
            (s.pk, s.title) for s in sessions
        ]
        cast(forms.ChoiceField, self.fields["slot"]).choices = [
            (t.pk, str(t)) for t in slots
        ]
        cast(forms.ChoiceField, self.fields["room"]).choices = [
            (r.pk, str(r)) for r in rooms
        ]
