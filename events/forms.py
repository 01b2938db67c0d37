"""The event forms.

An event starts and ends between a year ago and ten years from now (in the
event's own zone). Like a poll's window, the range keeps typos such as 2062 for
2026 out; it also keeps every time far from the years 1 and 9999, where turning
a wall-clock time into UTC, showing it in another zone or writing the one-day
margin of a calendar file overflows. Creating needs a start in the future, and
past events cannot be edited, so "a year ago" only matters for ongoing ones.
"""

import zoneinfo
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.http import QueryDict
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.forms import TimeZoneField
from core.images import ImageForm, Shape
from core.validators import (
    add_validators,
    as_one_line,
    validate_multiline_text,
    validate_single_line,
)

from . import recurrence
from .models import Event, Series

# How far ahead a series is made: every date is a real event, created at once.
MAX_SERIES_EVENTS = 52

EARLIEST = timedelta(days=365)
LATEST = timedelta(days=3652)


class LocalDateTimeField(forms.DateTimeField):
    """A wall-clock time, read without a zone: the form applies the event's zone."""

    widget = forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
    )
    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]

    def to_python(self, value: Any) -> datetime | None:
        result = super().to_python(value)
        return result.replace(tzinfo=None) if result else result


def localize(wall: datetime, zone: zoneinfo.ZoneInfo) -> datetime:
    """Attach `zone` to a wall-clock time, refusing times that do not exist.

    On a fall-back night a time happens twice; the first occurrence (fold=0)
    is taken, and the page shows the UTC offset so it is never ambiguous.
    """
    aware = wall.replace(tzinfo=zone, fold=0)
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall:
        raise ValidationError(
            _(
                "%(time)s does not exist in %(zone)s: the clocks skip that hour "
                "for daylight saving time."
            ),
            params={"time": wall.strftime("%Y-%m-%d %H:%M"), "zone": zone.key},
            code="nonexistent",
        )
    return aware


class EventForm(forms.ModelForm):
    start = LocalDateTimeField(
        label=_("Starts"), help_text=_("In the event's time zone.")
    )
    end = LocalDateTimeField(label=_("Ends"), help_text=_("In the event's time zone."))
    timezone = TimeZoneField(label=_("Time zone"))
    capacity = forms.IntegerField(
        label=_("Capacity"),
        required=False,
        min_value=1,
        help_text=_("Leave empty for no limit. When full, people join a waiting list."),
    )

    class Meta:
        model = Event
        fields = [
            "title", "description", "start", "end", "timezone", "venue", "online_url",
            "capacity",
        ]  # fmt: skip
        labels = {
            "title": _("Title"),
            "description": _("Description (Markdown)"),
            "venue": _("Venue"),
            "online_url": _("Online link"),
        }
        help_texts = {"online_url": _("Shown to people attending only.")}

    def __init__(self, *args: Any, creating: bool, **kwargs: Any) -> None:
        self.creating = creating
        super().__init__(*args, **kwargs)
        add_validators(self, validate_single_line, "title", "venue", "online_url")
        add_validators(self, validate_multiline_text, "description")
        if self.instance.pk and not self.is_bound:
            self.initial["start"] = self.instance.local_start.replace(tzinfo=None)
            self.initial["end"] = self.instance.local_end.replace(tzinfo=None)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        tz_name = cleaned.get("timezone")
        if not tz_name:
            # Without a zone the wall-clock times mean nothing; drop them.
            cleaned.pop("start", None)
            cleaned.pop("end", None)
            return cleaned
        zone = zoneinfo.ZoneInfo(tz_name)
        for field in ("start", "end"):
            wall = cleaned.get(field)
            if wall is not None:
                try:
                    cleaned[field] = localize(_in_range(wall, zone, field), zone)
                except ValidationError as error:
                    self.add_error(field, error)
        start, end = cleaned.get("start"), cleaned.get("end")
        if isinstance(start, datetime) and start.tzinfo and isinstance(end, datetime):
            if end.tzinfo and end <= start:
                self.add_error("end", _("The end must be after the start."))
            if self.creating and start <= timezone.now():
                self.add_error("start", _("The start must be in the future."))
        given = self.has_error("venue") or self.has_error("online_url")
        if not given and not cleaned.get("venue") and not cleaned.get("online_url"):
            self.add_error("venue", _("Give a venue, an online link, or both."))
        return cleaned


def _in_range(wall: datetime, zone: zoneinfo.ZoneInfo, field: str) -> datetime:
    """The wall-clock time if it lies in the sane range (module docstring).

    Checked before the zone is attached: attaching it is what overflows.
    """
    now = timezone.now().astimezone(zone).replace(tzinfo=None, microsecond=0)
    earliest, latest = now - EARLIEST, now + LATEST
    if wall < earliest:
        too_early = {
            "start": _("The start must be after %(bound)s."),
            "end": _("The end must be after %(bound)s."),
        }
        raise ValidationError(
            too_early[field],
            params={"bound": earliest.strftime("%Y-%m-%d")},
            code="too_early",
        )
    if wall > latest:
        too_late = {
            "start": _("The start must be within ten years, before %(bound)s."),
            "end": _("The end must be within ten years, before %(bound)s."),
        }
        raise ValidationError(
            too_late[field],
            params={"bound": latest.strftime("%Y-%m-%d")},
            code="too_late",
        )
    return wall


class CoverForm(ImageForm):
    """An event's cover image: 16:9, at most 1200 pixels wide, as JPEG."""

    shape = Shape(1200, 675, "JPEG")
    image_label = _("Cover image")
    alt_label = _("Description of the cover image (alt text)")


class SeriesForm(forms.Form):
    """The "Repeats" section of the new-event form.

    Reads the start and zone from the event form beside it, so the dates can be
    counted and checked: a series has 2 to 52 events, all within a year of the
    first (the year is why the error may name a date).
    """

    repeats = forms.ChoiceField(
        label=_("Repeats"),
        required=False,
        choices=[
            ("", _("Does not repeat")),
            (Series.Frequency.WEEKLY, _("Weekly")),
            (Series.Frequency.MONTHLY, _("Monthly")),
        ],
    )
    interval = forms.IntegerField(
        label=_("Every how many weeks or months"),
        required=False,
        initial=1,
        min_value=1,
        max_value=12,
        help_text=_("1 for every week or month, 2 for every other one, and so on."),
    )
    monthly_by = forms.ChoiceField(
        label=_("A monthly event falls"),
        required=False,
        initial=recurrence.BY_WEEKDAY,
        widget=forms.RadioSelect,
        choices=[
            (recurrence.BY_WEEKDAY, _("on the same weekday (say, the 2nd Tuesday)")),
            (
                recurrence.BY_LAST_WEEKDAY,
                _("on the last weekday (say, the last Thursday)"),
            ),
            (recurrence.BY_DATE, _("on the same date (say, the 10th)")),
        ],
        help_text=_(
            "Counted from the start. A month without that day (a 5th "
            "Tuesday, the 31st) is skipped."
        ),
    )
    until = forms.DateField(
        label=_("Last date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_(
            "The series ends on this day (in the event's time zone) at the "
            "latest. Give a last date or a number of events."
        ),
    )
    count = forms.IntegerField(
        label=_("Number of events"),
        required=False,
        min_value=2,
        max_value=MAX_SERIES_EVENTS,
        help_text=format_lazy(
            _("The first event included; at most {limit}, within a year."),
            limit=MAX_SERIES_EVENTS,
        ),
    )

    def __init__(self, *args: Any, event_form: EventForm, **kwargs: Any) -> None:
        self.event_form = event_form
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        frequency, until, count = (
            cleaned.get("repeats"), cleaned.get("until"), cleaned.get("count")
        )  # fmt: skip
        if self.has_error("repeats"):
            return cleaned
        if not frequency:
            if until or count:
                self.add_error(
                    "repeats",
                    _(
                        "Choose how the event repeats, or leave the last date and "
                        "the number of events empty."
                    ),
                )
            return cleaned
        if self.errors:
            return cleaned
        if until is None and count is None:
            self.add_error("until", _("Give a last date or a number of events."))
        elif until is not None and count is not None:
            self.add_error(
                "until", _("Give a last date or a number of events, not both.")
            )
        elif frequency == Series.Frequency.MONTHLY and not cleaned.get("monthly_by"):
            self.add_error("monthly_by", _("Choose which day of the month."))
        elif self.event_form.is_valid():
            self._count_dates()
        return cleaned

    def _count_dates(self) -> None:
        """Expand the rule from the event's start, within the limits."""
        rule = self.rule()
        assert rule is not None
        first = self.event_form.cleaned_data["start"]
        day = first.date()
        last_day = recurrence.one_year_after(day)
        if rule.monthly_by == recurrence.BY_LAST_WEEKDAY and not (
            recurrence.is_last_weekday(day)
        ):
            self.add_error(
                "monthly_by",
                ValidationError(
                    _(
                        "%(day)s is not the last %(weekday)s of its month: start "
                        "on the last one, or choose the same weekday."
                    ),
                    params={
                        "day": date_format(day, gettext("l j F")),
                        "weekday": date_format(day, "l"),
                    },
                    code="not_last",
                ),
            )
            return
        if rule.until is not None and rule.until > last_day:
            self.add_error(
                "until",
                ValidationError(
                    _(
                        "A series ends within a year of its first event: on "
                        "%(last)s at the latest."
                    ),
                    params={"last": last_day.isoformat()},
                    code="too_late",
                ),
            )
            return
        found = recurrence.starts(rule, first, limit=MAX_SERIES_EVENTS + 1)
        field = "until" if rule.until is not None else "count"
        if len(found) < 2:
            self.add_error(
                field, _("A series has two events at least: give a later last date.")
            )
        elif len(found) > MAX_SERIES_EVENTS:
            self.add_error(
                field,
                _(
                    "A series has at most %(limit)s events; this one would have "
                    "more. Choose an earlier last date."
                )
                % {"limit": MAX_SERIES_EVENTS},
            )
        elif found[-1].date() > last_day:
            self.add_error(
                field,
                ValidationError(
                    _(
                        "These events would run until %(end)s; a series ends "
                        "within a year of its first event (by %(last)s). Choose "
                        "fewer events."
                    ),
                    params={
                        "end": found[-1].date().isoformat(),
                        "last": last_day.isoformat(),
                    },
                    code="too_long",
                ),
            )

    def rule(self) -> recurrence.Rule | None:
        """The rule asked for, or None for a single event (after is_valid)."""
        cleaned = self.cleaned_data
        if not cleaned.get("repeats"):
            return None
        monthly = cleaned["repeats"] == Series.Frequency.MONTHLY
        until: date | None = cleaned.get("until")
        return recurrence.Rule(
            frequency=cleaned["repeats"],
            interval=cleaned.get("interval") or 1,
            monthly_by=cleaned.get("monthly_by", "") if monthly else "",
            until=until,
            count=cleaned.get("count"),
        )


class EditScopeForm(forms.Form):
    """Which events of a series an edit changes."""

    scope = forms.ChoiceField(
        label=_("Apply the changes to"),
        initial="this",
        widget=forms.RadioSelect,
        choices=[
            ("this", _("Only this event")),
            ("following", _("This and all following events")),
        ],
        help_text=_(
            "Following events that have started or were cancelled stay as "
            "they are. A new time or date moves the following events to the same "
            "pattern, counted from this one."
        ),
    )


class CancelForm(forms.Form):
    message = forms.CharField(
        label=_("Message to attendees (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        validators=[validate_multiline_text],
    )


class RsvpForm(forms.Form):
    choice = forms.ChoiceField(
        choices=[
            ("attending", _("Attending")),
            ("not_attending", _("Not attending")),
            ("none", _("No reply")),
        ]
    )


class ImportForm(forms.Form):
    ics_file = forms.FileField(
        label=_("Calendar file (.ics)"),
        help_text=_(
            "Meetup, Luma and Google Calendar can each export one. At most 2 MB."
        ),
    )


SEARCH_MAX_LENGTH = 200


class ManyOptionsSelect(forms.Select):
    """A select built in Python, for long menus: Django renders each option
    from a template, which took 32 ms for the 200 groups of bench/search.py's
    database (on the loaded 2-core machine), and this 1.4 ms. Plain choices
    only, no groups of options."""

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        chosen = set(self.format_value(value))
        options = "".join(
            f'<option value="{escape(key)}"'
            f"{' selected' if str(key) in chosen else ''}>{escape(label)}</option>"
            for key, label in self.choices
        )
        attributes = flatatt(self.build_attrs(self.attrs, attrs))
        return mark_safe(
            f'<select name="{escape(name)}"{attributes}>{options}</select>'
        )


class _SearchForm(forms.Form):
    """A GET form with a "Search" box, `q`."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.SearchInput(),
    )

    def __init__(self, data: QueryDict | None = None, **kwargs: Any) -> None:
        # Tabs, escapes and line breaks in a search are spaces; refused, they
        # would be shown again in the box, which HTML cannot hold.
        if data is not None and "q" in data:
            data = data.copy()
            data["q"] = as_one_line(str(data["q"]))
        super().__init__(data, **kwargs)


class EventSearchForm(_SearchForm):
    """The filters of /events/, read from the address (a GET form).

    Every field may be left out; `when` then means upcoming, the rest "any".
    """

    FORMATS = {"online": _("Online"), "in_person": _("In person")}

    group = forms.ChoiceField(
        label=_("Group"),
        required=False,
        widget=ManyOptionsSelect,
        error_messages={"invalid_choice": _("Choose a group from the list.")},
    )
    when = forms.ChoiceField(
        label=_("When"),
        required=False,
        choices=[("upcoming", _("Upcoming")), ("past", _("Past"))],
        error_messages={"invalid_choice": _("Choose upcoming or past.")},
    )
    format = forms.ChoiceField(
        label=_("Format"),
        required=False,
        choices=[("", _("Any")), *FORMATS.items()],
        error_messages={"invalid_choice": _("Choose any, online or in person.")},
    )

    def __init__(
        self,
        data: QueryDict | None = None,
        *,
        groups: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        """`groups`: the (slug, name) pairs to offer, in order."""
        super().__init__(data, **kwargs)
        group = self.fields["group"]
        assert isinstance(group, forms.ChoiceField)
        group.choices = [("", _("Any group")), *groups]

    def filters(self) -> dict[str, str]:
        """The filters in use, without defaults: for page links and "Clear"."""
        data = {k: v for k, v in self.cleaned_data.items() if v}
        if data.get("when") == "upcoming":
            del data["when"]
        return data


class GroupSearchForm(_SearchForm):
    """The search of /groups/, read from the address (a GET form)."""

    def filters(self) -> dict[str, str]:
        return {k: v for k, v in self.cleaned_data.items() if v}
