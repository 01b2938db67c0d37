import secrets
import uuid
import zoneinfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.templatetags.tz import do_timezone
from django.urls import reverse
from django.utils import timezone as dj_timezone

from accounts.models import validate_timezone
from core.search import text_search
from groups.models import Group

from . import recurrence

# What the search on /events/ reads, with its weights. Not the online link,
# which only people attending see, nor anyone's name. Migration 0003 indexes
# this vector on PostgreSQL; change both together.
SEARCH_FIELDS = (("title", "A"), ("venue", "B"), ("description", "C"))


class EventQuerySet(models.QuerySet):
    def upcoming(self):
        return self.filter(end__gte=dj_timezone.now()).order_by("start", "pk")

    def past(self):
        return self.filter(end__lt=dj_timezone.now()).order_by("-start", "-pk")

    def online(self):
        return self.exclude(online_url="")

    def in_person(self):
        return self.exclude(venue="")

    def search(self, text: str):
        """Events whose title, venue or description match `text` (core.search)."""
        return text_search(self, text, fields=SEARCH_FIELDS)

    def with_counts(self):
        """Fetch the stored reply counts (`EventCounts`) with each event.

        One row per event, joined by primary key, instead of counting the
        replies of each event shown (5,000 of a big one) on every page view.
        """
        return self.select_related("counts")


class Series(models.Model):
    """The rule of a repeating event, whose dates are all real `Event` rows.

    Each event of a series has its own replies, capacity and calendar UID; the
    rule records how the dates were made (see `events.recurrence`), and which
    events "this and all following" means. The dates repeat from `anchor`, on
    the wall clock of `timezone`: the first event's start, until a change to
    "this and all following" moves the dates from one of them on. `until` and
    `count` are the end the series was created with.
    """

    class Frequency(models.TextChoices):
        WEEKLY = recurrence.WEEKLY, "weekly"
        MONTHLY = recurrence.MONTHLY, "monthly"

    class MonthlyBy(models.TextChoices):
        DATE = recurrence.BY_DATE, "on the same date"
        WEEKDAY = recurrence.BY_WEEKDAY, "on the same weekday"
        LAST_WEEKDAY = recurrence.BY_LAST_WEEKDAY, "on the last weekday of its kind"

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="series")
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    interval = models.PositiveSmallIntegerField(default=1)
    monthly_by = models.CharField(max_length=15, choices=MonthlyBy.choices, blank=True)
    until = models.DateField(null=True, blank=True)
    count = models.PositiveSmallIntegerField(null=True, blank=True)
    timezone = models.CharField(
        "time zone", max_length=64, validators=[validate_timezone]
    )
    anchor = models.DateTimeField("start the dates count from")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        verbose_name_plural = "series"
        constraints = [
            models.CheckConstraint(
                condition=Q(interval__gte=1), name="series_interval_positive"
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True, count__isnull=False)
                | Q(until__isnull=False, count__isnull=True),
                name="series_ends_by_date_or_count",
            ),
            models.CheckConstraint(
                condition=Q(frequency="weekly", monthly_by="")
                | (Q(frequency="monthly") & ~Q(monthly_by="")),
                name="series_monthly_by_for_monthly_only",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group}: {self.describe()}"

    def get_absolute_url(self) -> str:
        return self.group.get_absolute_url()

    @property
    def rule(self) -> recurrence.Rule:
        return recurrence.Rule(
            frequency=self.frequency,
            interval=self.interval,
            monthly_by=self.monthly_by,
            until=self.until,
            count=self.count,
        )

    def describe(self) -> str:
        """How it repeats: "every month on the 2nd Tuesday"."""
        zone = zoneinfo.ZoneInfo(self.timezone)
        return recurrence.describe(self.rule, self.anchor.astimezone(zone))


class Event(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "scheduled"
        CANCELLED = "cancelled", "cancelled"

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="events")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, help_text="Markdown.")
    start = models.DateTimeField()
    end = models.DateTimeField()
    timezone = models.CharField(
        "time zone", max_length=64, validators=[validate_timezone]
    )
    venue = models.CharField(max_length=300, blank=True)
    online_url = models.URLField("online link", blank=True)
    capacity = models.PositiveIntegerField(null=True, blank=True)
    # Set only through core.images (checked, re-encoded, random name); the
    # size is kept so pages give width and height without opening the file.
    cover = models.ImageField(upload_to="events/covers", blank=True, editable=False)
    cover_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    cover_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    cover_alt = models.CharField(
        "cover image description", max_length=250, blank=True, editable=False
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    cancel_message = models.TextField(blank=True)
    series = models.ForeignKey(
        Series,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
        db_index=False,  # the (series, start) index serves it
    )
    uid = models.CharField(max_length=100, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=dj_timezone.now)
    updated_at = models.DateTimeField(default=dj_timezone.now)

    objects = EventQuerySet.as_manager()

    # Set by the group page on the next event of each series, for the reply
    # button on its card (events.views._offer_reply_on_cards). A default here,
    # because a template looking up a missing attribute calls dir() on the
    # instance to tell it from a failing property: 40 cards, 40 calls.
    card_reply: bool = False
    my_reply: "Rsvp.Status | None" = None

    class Meta:
        ordering = ["start", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="event_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gte=1),
                name="event_capacity_positive",
            ),
            models.CheckConstraint(
                condition=Q(cover="") | ~Q(cover_alt=""), name="event_cover_has_alt"
            ),
        ]
        indexes = [
            models.Index(fields=["group", "start"]),
            models.Index(fields=["end", "start"]),
            models.Index(fields=["series", "start"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("events:detail", kwargs={"pk": self.pk})

    @staticmethod
    def new_uid() -> str:
        return f"{uuid.uuid4()}@meetings"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def local_start(self):
        """The start in the event's zone, shown as such by templates.

        Django's `date` filter converts an aware datetime to the current zone
        (UTC here), which printed UTC times next to the event's zone name; a
        value marked like the output of its `timezone` filter is shown as is.
        """
        return do_timezone(self.start, self.zone)

    @property
    def local_end(self):
        return do_timezone(self.end, self.zone)

    # Read from `EventCounts`: fetch events `with_counts()` to save a query each.
    @property
    def attending_count(self) -> int:
        return self.counts.attending

    @property
    def waitlist_count(self) -> int:
        return self.counts.waitlisted

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def is_past(self) -> bool:
        return self.end < dj_timezone.now()

    @property
    def accepts_replies(self) -> bool:
        return not self.is_cancelled and self.start > dj_timezone.now()


class Rsvp(models.Model):
    """A reply. "Not replied" is the absence of a row."""

    class Status(models.TextChoices):
        ATTENDING = "attending", "attending"
        NOT_ATTENDING = "not_attending", "not attending"
        WAITLISTED = "waitlisted", "on the waiting list"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rsvps"
    )
    status = models.CharField(max_length=15, choices=Status.choices)
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now)
    updated_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="rsvp_unique"),
        ]
        indexes = [
            models.Index(fields=["event", "status", "created_at"]),
            models.Index(fields=["user", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.event}: {self.get_status_display()}"

    def get_absolute_url(self) -> str:
        return self.event.get_absolute_url()


class EventCounts(models.Model):
    """How many replies of each kind an event has, kept by the database.

    Triggers on `events_rsvp` (migration 0007, core.counters) change them in
    the transaction of every reply written, changed or deleted, and one on
    `events_event` adds the row of each new event; `manage.py check_counts`
    recounts. Code never writes them.
    """

    event = models.OneToOneField(
        Event, on_delete=models.CASCADE, primary_key=True, related_name="counts"
    )
    attending = models.IntegerField(db_default=0, editable=False)
    waitlisted = models.IntegerField(db_default=0, editable=False)
    not_attending = models.IntegerField(db_default=0, editable=False)

    class Meta:
        verbose_name_plural = "event counts"

    def __str__(self) -> str:
        return f"{self.event}: {self.attending} attending"

    def get_absolute_url(self) -> str:
        return self.event.get_absolute_url()

    def of(self, status: str) -> int:
        """The number of replies with `status` (an `Rsvp.Status`)."""
        return {
            Rsvp.Status.ATTENDING: self.attending,
            Rsvp.Status.WAITLISTED: self.waitlisted,
            Rsvp.Status.NOT_ATTENDING: self.not_attending,
        }[Rsvp.Status(status)]


class CalendarFeed(models.Model):
    """The secret behind a person's private feed of the events they attend.

    The token is a read-only capability shown on the profile, so it is kept as
    is (a sign-in token, by contrast, is only ever stored hashed).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=dj_timezone.now)

    def __str__(self) -> str:
        return f"calendar feed of {self.user}"

    def get_absolute_url(self) -> str:
        return reverse("events:personal_feed", kwargs={"token": self.token})

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)


class ReplyAddress(models.Model):
    """A person's reply address for one event: the ORGANIZER of their invitations.

    With INBOUND_EMAIL_DOMAIN set, Gmail's and Outlook's Yes/No buttons send
    an iTIP REPLY to rsvp+<token>@<domain> (events/replies.py). The token is
    derived from SECRET_KEY; only its SHA-256 is kept, which is how a reply
    finds its person and event. `sequence` and `stamp` are the SEQUENCE and
    DTSTAMP of the last reply applied, so an older or replayed one is not.
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    sequence = models.PositiveIntegerField(null=True, blank=True)
    stamp = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user"], name="replyaddress_one_per_person"
            ),
        ]

    def __str__(self) -> str:
        return f"reply address of {self.user} for {self.event}"

    def get_absolute_url(self) -> str:
        return self.event.get_absolute_url()
