"""An event in unconference mode: rooms, slots, proposed sessions, interest, runs.

The scheduler itself (`unconference/scheduler/`) knows nothing of these rows;
`unconference/adapter.py` turns them into a scheduler problem, and
`unconference/services.py` stores each run's outcome as a ScheduleRun.
"""

import unicodedata

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone as dj_timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from events.models import Event


def title_key(title: str) -> str:
    """What makes two titles "the same": case, spacing and Unicode forms ignored."""
    return "".join(unicodedata.normalize("NFKC", title).casefold().split())


class Unconference(models.Model):
    """Unconference mode of one event, with the owners' settings."""

    event = models.OneToOneField(
        Event, on_delete=models.CASCADE, related_name="unconference"
    )
    enabled = models.BooleanField("unconference mode on", default=True)
    proposals_open = models.BooleanField(default=True)
    interest_open = models.BooleanField(default=True)
    weight_a_little = models.PositiveSmallIntegerField(default=1)
    weight_yes = models.PositiveSmallIntegerField(default=3)
    weight_very = models.PositiveSmallIntegerField(default=4)
    published_run = models.ForeignKey(
        "ScheduleRun",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(weight_a_little__lte=models.F("weight_yes"))
                & Q(weight_yes__lte=models.F("weight_very"))
                & Q(weight_very__gte=1),
                name="unconference_weights_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"Unconference of {self.event}"

    def get_absolute_url(self) -> str:
        return reverse("unconference:sessions", kwargs={"pk": self.event_id})

    @property
    def weights(self) -> dict[str, int]:
        """Interest level -> number the scheduler adds up."""
        return {
            Interest.Level.NONE: 0,
            Interest.Level.A_LITTLE: self.weight_a_little,
            Interest.Level.YES: self.weight_yes,
            Interest.Level.VERY: self.weight_very,
        }

    @property
    def is_published(self) -> bool:
        return self.published_run_id is not None


class Room(models.Model):
    unconference = models.ForeignKey(
        Unconference, on_delete=models.CASCADE, related_name="rooms"
    )
    name = models.CharField(max_length=100)
    capacity = models.PositiveIntegerField()

    class Meta:
        ordering = ["-capacity", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                "unconference",
                models.functions.Lower("name"),
                name="room_name_unique",
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1), name="room_capacity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.capacity})"

    def get_absolute_url(self) -> str:
        return reverse("unconference:rooms", kwargs={"pk": self.unconference.event_id})


class Slot(models.Model):
    """A stretch of the event in which sessions run side by side, or a break."""

    unconference = models.ForeignKey(
        Unconference, on_delete=models.CASCADE, related_name="slots"
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    is_break = models.BooleanField("break", default=False)
    label = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["start", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="slot_end_after_start"
            )
        ]

    def __str__(self) -> str:
        zone = self.unconference.event.zone
        # In the active language: forms list slots by this name.
        start = date_format(self.start.astimezone(zone), gettext("D H:i"))
        text = f"{start}–{date_format(self.end.astimezone(zone), 'TIME_FORMAT')}"
        if self.label:
            text = f"{text} {self.label}"
        return gettext("%(slot)s (break)") % {"slot": text} if self.is_break else text

    def get_absolute_url(self) -> str:
        return reverse("unconference:slots", kwargs={"pk": self.unconference.event_id})


class SessionQuerySet(models.QuerySet):
    def with_popularity(self, unconference: Unconference):
        """Annotate `popularity` (weighted interest of people attending plus the
        proposer's own "very") and `interested` (people above "not interested")."""
        from events.models import Rsvp

        attending = Q(
            interests__user__rsvps__event_id=unconference.event_id,
            interests__user__rsvps__status=Rsvp.Status.ATTENDING,
        )
        weight = models.Case(
            *[
                models.When(interests__level=level, then=models.Value(w))
                for level, w in unconference.weights.items()
            ],
            default=models.Value(0),
        )
        return self.annotate(
            popularity=models.functions.Coalesce(
                models.Sum(weight, filter=attending), 0
            )
            + models.Case(
                models.When(proposer__isnull=False, then=unconference.weight_very),
                default=0,
            ),
            interested=models.Count(
                "interests",
                filter=attending & ~Q(interests__level=Interest.Level.NONE),
            ),
        )


class Session(models.Model):
    """A proposed session. Withdrawing deletes it (and the interest in it)."""

    unconference = models.ForeignKey(
        Unconference, on_delete=models.CASCADE, related_name="sessions"
    )
    title = models.CharField(max_length=150)
    title_key = models.CharField(max_length=150, editable=False)
    description = models.TextField(blank=True, help_text=_("Markdown."))
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="unconference_sessions",
    )
    unavailable_slots = models.ManyToManyField(
        Slot,
        blank=True,
        related_name="+",
        help_text=_("Slots the proposer cannot make."),
    )
    excluded_slots = models.ManyToManyField(
        Slot,
        blank=True,
        related_name="+",
        help_text=_("Slots the owners keep this session out of."),
    )
    pinned_slot = models.ForeignKey(
        Slot, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pinned_room = models.ForeignKey(
        Room, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=dj_timezone.now)
    updated_at = models.DateTimeField(default=dj_timezone.now)

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["unconference", "title_key"], name="session_title_unique"
            ),
            models.CheckConstraint(
                condition=Q(pinned_room__isnull=True) | Q(pinned_slot__isnull=False),
                name="session_room_pin_needs_slot",
            ),
        ]
        indexes = [models.Index(fields=["unconference", "proposer"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "unconference:session",
            kwargs={"pk": self.unconference.event_id, "session_id": self.pk},
        )


class Interest(models.Model):
    """How much one person wants to attend one session. No row: not rated."""

    class Level(models.TextChoices):
        NONE = "none", _("not interested")
        A_LITTLE = "a_little", _("a little")
        YES = "yes", _("yes")
        VERY = "very", _("very")

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="interests"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="unconference_interests",
    )
    level = models.CharField(max_length=10, choices=Level.choices)
    updated_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="interest_unique")
        ]
        indexes = [models.Index(fields=["user", "session"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.session}: {self.get_level_display()}"

    def get_absolute_url(self) -> str:
        return self.session.get_absolute_url()


class ScheduleRun(models.Model):
    """One scheduler run and its timetable. Published = the one people see.

    `assignment` maps session pk (as a string, JSON keys are strings) to
    [slot pk, room pk]; `attendance` maps session pk to expected attendance.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting for the worker")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    unconference = models.ForeignKey(
        Unconference, on_delete=models.CASCADE, related_name="runs"
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    seed = models.PositiveIntegerField()
    seconds = models.FloatField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    adjusted_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="For a timetable changed by hand: the run it started from.",
    )
    previous_run = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The last finished run before this one, for comparison.",
    )
    based_on = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The published run this one tried not to move away from.",
    )
    utility = models.PositiveIntegerField(null=True, blank=True)
    upper_bound = models.PositiveIntegerField(null=True, blank=True)
    random_utility = models.PositiveIntegerField(null=True, blank=True)
    previous_utility = models.PositiveIntegerField(null=True, blank=True)
    overflow = models.FloatField(null=True, blank=True)
    moved_from_published = models.PositiveIntegerField(null=True, blank=True)
    assignment = models.JSONField(default=dict, blank=True)
    attendance = models.JSONField(default=dict, blank=True)
    unplaced = models.JSONField(default=list, blank=True)
    runtime = models.FloatField(null=True, blank=True)
    steps = models.PositiveIntegerField(
        null=True, blank=True, help_text="Annealing steps the search did."
    )
    step_budget = models.PositiveIntegerField(
        null=True, blank=True, help_text="Annealing steps the search planned."
    )
    capped = models.BooleanField(
        default=False,
        help_text="The time limit (CPU time) stopped the search before its "
        "planned steps, so the same seed and data may give another timetable.",
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["unconference", "-created_at"])]

    def __str__(self) -> str:
        return f"Run {self.pk} of {self.unconference.event}: {self.status}"

    def get_absolute_url(self) -> str:
        return reverse(
            "unconference:run",
            kwargs={"pk": self.unconference.event_id, "run_id": self.pk},
        )

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def cells(self) -> dict[int, tuple[int, int]]:
        """session pk -> (slot pk, room pk), with integer keys."""
        return {int(s): (int(t), int(r)) for s, (t, r) in self.assignment.items()}

    def percent_of_bound(self) -> float | None:
        if self.utility is None or not self.upper_bound:
            return None
        return 100.0 * self.utility / self.upper_bound
