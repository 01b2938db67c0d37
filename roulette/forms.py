import zoneinfo
from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.forms import TimeZoneField
from core.validators import add_validators, validate_single_line

from .models import BLOCKS_PER_WEEK, RouletteSettings, Weekday

DAYS = [label for _, label in Weekday.choices]


def slot_time(slot: int) -> str:
    """The start of the `slot`th half-hour of a day (0-48), e.g. "09:30"."""
    slot %= 48
    return f"{slot // 2:02d}:{30 * (slot % 2):02d}"


def block_label(block: int) -> str:
    """The name of one half-hour of the week, e.g. "Monday 09:30–10:00"."""
    day, slot = divmod(block, 48)
    return f"{DAYS[day]} {slot_time(slot)}–{slot_time(slot + 1)}"


class RouletteSettingsForm(forms.ModelForm):
    announce_hour = forms.TypedChoiceField(
        label=_("Hour of the announcement"),
        coerce=int,
        choices=[(h, f"{h:02d}:00") for h in range(24)],
    )

    class Meta:
        model = RouletteSettings
        fields = [
            "enabled", "minutes", "announce_weekday", "announce_hour", "repeat_weeks",
            "video_link_template",
        ]  # fmt: skip
        labels = {
            "enabled": _("Coffee roulette is on"),
            "minutes": _("Meeting length"),
            "announce_weekday": _("Pairs are announced on"),
            "repeat_weeks": _("Weeks before two people may be paired again"),
            "video_link_template": _("Video link"),
        }
        help_texts = {
            "announce_weekday": _("Each announcement pairs people for the week after."),
            "video_link_template": _(
                "{room} becomes a random name, different for every pair, e.g. "
                "https://meet.jit.si/{room}."
            ),
        }
        widgets = {"repeat_weeks": forms.NumberInput(attrs={"min": 1, "max": 52})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        add_validators(self, validate_single_line, "video_link_template")


class AvailabilityForm(forms.Form):
    """A member's zone and their free half-hours in a typical week (local time)."""

    timezone = TimeZoneField(label=_("Your time zone"))
    blocks = forms.TypedMultipleChoiceField(
        label=_("Free times"),
        coerce=int,
        required=False,
        choices=[(i, block_label(i)) for i in range(BLOCKS_PER_WEEK)],
        # The page draws its own grid of these checkboxes.
        widget=forms.MultipleHiddenInput,
        error_messages={"invalid_choice": _("Choose times from the grid only.")},
    )


class RescheduleForm(forms.Form):
    start = forms.TypedChoiceField(
        label=_("New time"),
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": _(
                "That time is no longer free for everyone. Choose another one."
            ),
            "required": _("Choose a time."),
        },
    )

    def __init__(
        self, *args: Any, options: Iterable[datetime], tz: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        zone = zoneinfo.ZoneInfo(tz)
        by_value = {moment.isoformat(): moment for moment in options}
        field = cast(forms.TypedChoiceField, self.fields["start"])
        field.choices = [
            (value, date_format(moment.astimezone(zone), gettext("l j F, H:i")))
            for value, moment in by_value.items()
        ]
        field.coerce = by_value.__getitem__


class PartnerForm(forms.Form):
    """Names a past partner by id; the service checks they really were one."""

    user = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
