from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from email.utils import parseaddr
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.http import QueryDict
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.forms import TimeZoneField
from accounts.models import User, normalize_email
from core.validators import validate_multiline_text, validate_single_line
from groups.access import managed_groups
from groups.models import Group
from notifications.addresses import validate_deliverable_email

from . import times as poll_times
from .models import Choice, Poll, PollTime
from .services import MAX_PARTIES, PartySpec, group_parties


class _ZoneMixin:
    cleaned_data: dict[str, Any]  # the form's, which this mixin goes with

    def _zone(self) -> str:
        return self.cleaned_data.get("timezone") or "UTC"


def parse_parties(text: str, *, tz: str) -> list[PartySpec]:
    """`Name <address>` or a bare address per line (commas work too)."""
    found: dict[str, PartySpec] = {}
    bad: list[str] = []
    for chunk in text.replace(",", "\n").splitlines():
        if not chunk.strip():
            continue
        name, address = parseaddr(chunk.strip())
        address = normalize_email(address)
        try:
            validate_deliverable_email(address)
        except ValidationError:
            bad.append(chunk.strip()[:60])
            continue
        name = " ".join(name.split())[:100] or address.split("@")[0]
        found.setdefault(address, PartySpec(email=address, name=name, timezone=tz))
    if bad:
        raise ValidationError(
            _("Not an email address: %(bad)s."), params={"bad": ", ".join(bad)}
        )
    return list(found.values())


ROWS_PREFIX = "time"
# Sends `2030-05-01T10:00`, which parse_time reads in the form's zone.
LOCAL_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"})


class TimeRowForm(forms.Form):
    """One candidate time on the new-poll page: a date and a start time."""

    date = forms.DateField(
        label=_("Date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date such as 2030-05-01.")},
    )
    start = forms.TimeField(
        label=_("Start time"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = self.cleaned_data
        date, start = cleaned.get("date"), cleaned.get("start")
        if date and not start and "start" not in self.errors:
            self.add_error("start", _("Give a start time for this date."))
        if start and not date and "date" not in self.errors:
            self.add_error("date", _("Give a date for this start time."))
        return cleaned

    def wall_time(self) -> datetime | None:
        """The row's date and start as a wall-clock time; None for an empty row."""
        date = self.cleaned_data.get("date")
        start = self.cleaned_data.get("start")
        if self.errors or not (date and start):
            return None
        return datetime.combine(date, start.replace(second=0, microsecond=0))


class BaseTimeRowFormSet(forms.BaseFormSet):
    """The rows read in `zone`, which the poll form sets once its zone is valid.

    Errors go on the row that has them; `times` holds the distinct times (UTC).
    A row at one of the `existing` times (a poll's, when adding to it) is
    refused, and together they may not exceed the most times a poll can have.
    """

    default_error_messages = {
        "too_many_forms": format_lazy(
            _("A poll can have at most {limit} times."), limit=poll_times.MAX_TIMES
        ),
    }
    zone: str | None = None
    existing: frozenset[datetime] = frozenset()
    times: list[datetime]

    def clean(self) -> None:
        self.times = []
        if self.zone is None:
            return
        zone = zoneinfo.ZoneInfo(self.zone)
        first: dict[datetime, int] = {}
        for number, form in enumerate(self.forms, start=1):
            wall = form.wall_time()
            if wall is None:
                continue
            try:
                moment = poll_times.check_range(
                    poll_times.localize(wall, zone), what=_("This time")
                ).astimezone(UTC)
            except ValidationError as error:
                if error.code == "past":
                    error = ValidationError(_("This time has passed."), code="past")
                skipped = error.code == "nonexistent"  # the hour is the problem
                form.add_error("start" if skipped else "date", error)
                continue
            except OverflowError:
                form.add_error("date", _("This date is too far from today."))
                continue
            if moment in first:
                form.add_error(
                    "start",
                    _("The same time as time %(number)s.") % {"number": first[moment]},
                )
                continue
            if moment in self.existing:
                form.add_error("start", _("This time is on the poll already."))
                continue
            first[moment] = number
        if not first and not any(self.errors):
            raise ValidationError(
                _("Give at least one time: a date and a start time."), code="no_times"
            )
        if len(self.existing) + len(first) > poll_times.MAX_TIMES:
            raise ValidationError(
                _("A poll can have at most %(max)d times; this one has %(has)d."),
                params={"max": poll_times.MAX_TIMES, "has": len(self.existing)},
                code="too_many_times",
            )
        self.times = sorted(first)


TimeRowFormSet = forms.formset_factory(
    TimeRowForm,
    formset=BaseTimeRowFormSet,
    extra=3,
    max_num=poll_times.MAX_TIMES,
    absolute_max=poll_times.MAX_TIMES,
    validate_max=True,
)


def time_rows(
    data: QueryDict | None = None,
    *,
    initial: list[dict[str, str]] | None = None,
    existing: Iterable[datetime] = (),
) -> BaseTimeRowFormSet:
    """The rows of times: bound to `data`, or unbound with `initial` and one
    empty row more (three empty rows when there is nothing to show).
    `existing` are times the rows may not repeat."""
    rows = cast(
        BaseTimeRowFormSet,
        TimeRowFormSet(data, initial=initial, prefix=ROWS_PREFIX),
    )
    rows.existing = frozenset(existing)
    if initial:
        rows.extra = 1
    return rows


def typed_rows(data: QueryDict) -> list[dict[str, str]]:
    """The rows as typed into a submitted form, unchecked: for showing again."""
    rows = time_rows(data)
    return [
        {name: str(form[name].value() or "") for name in ("date", "start")}
        for form in rows.forms
    ]


def slot_rows(slots: list[datetime], zone_name: str) -> list[dict[str, str]]:
    """Generated times as rows, in the zone they were generated in."""
    zone = zoneinfo.ZoneInfo(zone_name)
    locals_ = [slot.astimezone(zone) for slot in slots]
    return [{"date": t.date().isoformat(), "start": f"{t:%H:%M}"} for t in locals_]


class PollForm(_ZoneMixin, forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=200, validators=[validate_single_line]
    )
    description = forms.CharField(
        label=_("Description (optional)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[validate_multiline_text],
    )
    location = forms.CharField(
        label=_("Location (optional)"),
        max_length=300,
        required=False,
        validators=[validate_single_line],
    )
    timezone = TimeZoneField(label=_("Time zone"))
    duration_minutes = forms.IntegerField(
        label=_("Length of each time (minutes)"),
        min_value=5,
        max_value=1440,
        initial=60,
    )
    deadline = forms.CharField(
        label=_("Deadline (optional)"),
        required=False,
        widget=LOCAL_DATETIME,
        validators=[MaxLengthValidator(60)],  # no maxlength: not for this input
        help_text=_("When answers close, in the time zone above."),
    )
    group = forms.ModelChoiceField(
        label=_("Invite the members of (optional)"),
        queryset=Group.objects.none(),
        required=False,
        empty_label=_("No group"),
    )
    emails = forms.CharField(
        label=_("Email addresses (optional)"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
        # Django does not escape help texts.
        help_text=_(
            "One per line, e.g. Ada Lovelace &lt;ada@example.org&gt;. People "
            "without an account answer through their private link."
        ),
    )
    send_now = forms.BooleanField(
        label=_("Email the private links now"), required=False, initial=True
    )

    def __init__(
        self,
        data: QueryDict | None = None,
        *,
        user: User,
        rows: list[dict[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        """Bound to `data`, rows included; or unbound, showing `rows`."""
        self.user = user
        super().__init__(data, **kwargs)
        cast(
            forms.ModelChoiceField, self.fields["group"]
        ).queryset = Group.objects.filter(memberships__user=user).order_by("name")
        self.rows = time_rows(data, initial=rows)

    @classmethod
    def retyped(
        cls, data: QueryDict, *, user: User, more: list[dict[str, str]] | None = None
    ) -> PollForm:
        """An unbound form showing what was typed into `data` (no errors), its
        rows and then `more` rows; without `more`, every row and one empty one."""
        initial: dict[str, Any] = {name: data.get(name, "") for name in cls.base_fields}
        initial["send_now"] = "send_now" in data
        typed = typed_rows(data)
        if more is not None:
            typed = [row for row in typed if row["date"] or row["start"]] + more
        return cls(user=user, initial=initial, rows=typed)

    def is_valid(self) -> bool:
        return super().is_valid() and self.rows.is_valid()

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if "timezone" not in cleaned:
            return cleaned
        self.rows.zone = self._zone()
        cleaned["times"] = self.rows.times if self.rows.is_valid() else []
        if cleaned.get("deadline"):
            try:
                moment = poll_times.parse_time(
                    cleaned["deadline"], default_zone=self._zone()
                )
                cleaned["deadline"] = poll_times.check_range(
                    moment, what=_("The deadline")
                )
            except ValidationError as error:
                self.add_error("deadline", error)
        else:
            cleaned["deadline"] = None
        self._clean_parties(cleaned)
        return cleaned

    def _clean_parties(self, cleaned: dict[str, Any]) -> None:
        try:
            parties = parse_parties(cleaned.get("emails", ""), tz=self._zone())
        except ValidationError as error:
            self.add_error("emails", error)
            return
        group = cleaned.get("group")
        if group is not None:
            parties += group_parties(group)
        own = self.user.email.lower()
        distinct = {p.email for p in parties if p.email != own}
        if not distinct:
            self.add_error("emails", _("Invite at least one other party."))
        elif len(distinct) > MAX_PARTIES:
            self.add_error(
                "emails",
                _("A poll can have at most %(limit)s parties.")
                % {"limit": MAX_PARTIES},
            )
        cleaned["parties"] = parties


class SlotsForm(_ZoneMixin, forms.Form):
    """The slot helper on the new-poll page: a window and an interval."""

    timezone = TimeZoneField(label=_("Time zone"))
    duration_minutes = forms.IntegerField(min_value=5, max_value=1440)
    window_start = forms.CharField(
        label=_("Window starts"),
        widget=LOCAL_DATETIME,
        validators=[MaxLengthValidator(60)],
    )
    window_end = forms.CharField(
        label=_("Window ends"),
        widget=LOCAL_DATETIME,
        validators=[MaxLengthValidator(60)],
    )
    interval = forms.IntegerField(
        label=_("Every (minutes)"), min_value=5, max_value=10080, initial=60
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if self.errors:
            return cleaned
        try:
            start = poll_times.parse_time(
                cleaned["window_start"], default_zone=self._zone()
            )
            end = poll_times.parse_time(
                cleaned["window_end"], default_zone=self._zone()
            )
            poll_times.check_range(start, what=_("The window"))
            cleaned["slots"] = poll_times.generate_slots(
                start=start, end=end, interval_minutes=cleaned["interval"],
                duration_minutes=cleaned["duration_minutes"],
            )  # fmt: skip
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        return cleaned


class AnswerForm(forms.Form):
    """One yes / if need be / no choice per time, and a comment."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[validate_multiline_text],
    )

    def __init__(
        self,
        *args: Any,
        times: Sequence[PollTime],
        labels: dict[int, str],
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("auto_id", "answer_%s")
        super().__init__(*args, **kwargs)
        self.times = times
        for time in times:
            self.fields[f"time_{time.pk}"] = forms.ChoiceField(
                label=labels[time.pk],
                choices=Choice.choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose yes, if need be or no.")},
            )

    def time_fields(self) -> list[forms.BoundField]:
        return [self[f"time_{t.pk}"] for t in self.times]

    def choices(self) -> dict[int, str]:
        return {t.pk: self.cleaned_data[f"time_{t.pk}"] for t in self.times}


class ZoneForm(forms.Form):
    timezone = TimeZoneField(label=_("Show times in"))


class AddTimesForm(_ZoneMixin, forms.Form):
    """Times to add to an open poll: rows of a date and a start time, as on the
    new-poll page, read in a zone (the organiser's); not the poll's times."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    timezone = TimeZoneField(label=_("Time zone"))

    def __init__(
        self,
        data: QueryDict | None = None,
        *,
        existing: Iterable[datetime] = (),
        rows: list[dict[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        """Bound to `data`, rows included; or unbound, showing `rows`."""
        kwargs.setdefault("auto_id", "add_%s")
        super().__init__(data, **kwargs)
        self.rows = time_rows(data, initial=rows, existing=existing)
        if data is None and not rows:
            self.rows.extra = 1  # one empty row; "Add another time" adds more

    @classmethod
    def retyped(cls, data: QueryDict) -> AddTimesForm:
        """An unbound form showing what was typed into `data` (no errors), every
        row and one empty one: "Add another time" without JavaScript."""
        initial = {name: data.get(name, "") for name in cls.base_fields}
        return cls(initial=initial, rows=typed_rows(data))

    def is_valid(self) -> bool:
        return super().is_valid() and self.rows.is_valid()

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if "timezone" in cleaned:
            self.rows.zone = self._zone()
            cleaned["times"] = self.rows.times if self.rows.is_valid() else []
        return cleaned


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class AgreeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    time: forms.ModelChoiceField[PollTime] = forms.ModelChoiceField(
        queryset=None, widget=forms.HiddenInput, error_messages={
            "invalid_choice": _("That time is not on the poll any more."),
        },
    )  # fmt: skip
    confirm = forms.BooleanField(
        label=_("I know some parties said no to this time; agree it anyway."),
        required=False,
    )

    def __init__(self, *args: Any, poll: Poll, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["time"]).queryset = poll.times.all()


class CancelForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    message = forms.CharField(
        label=_("Message to the parties (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[validate_multiline_text],
    )


class EventFromPollForm(forms.Form):
    group = forms.ModelChoiceField(
        label=_("Group"), queryset=Group.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["group"]).queryset = managed_groups(
            user
        ).order_by("name")


class LinkRequestForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the organiser (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[validate_multiline_text],
    )
