import secrets
import uuid
import zoneinfo

from django.conf import settings
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.templatetags.tz import do_timezone
from django.urls import reverse
from django.utils import timezone as dj_timezone

from accounts.models import validate_timezone
from groups.models import Group


class EventQuerySet(models.QuerySet):
    def upcoming(self):
        return self.filter(end__gte=dj_timezone.now()).order_by("start", "pk")

    def past(self):
        return self.filter(end__lt=dj_timezone.now()).order_by("-start", "-pk")

    def with_counts(self):
        """Annotate how many attend and wait, as one subquery per count.

        Correlated subqueries let PostgreSQL count only the events that survive
        the LIMIT (from the (event, status) index); a JOIN with GROUP BY would
        aggregate the replies of every matching event first.
        """
        return self.annotate(
            attending_count=_reply_count(Rsvp.Status.ATTENDING),
            waitlist_count=_reply_count(Rsvp.Status.WAITLISTED),
        )


def _reply_count(status: str):
    replies = (
        Rsvp.objects.filter(event=OuterRef("pk"), status=status)
        .order_by()
        .values("event")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(replies), 0)


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
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    cancel_message = models.TextField(blank=True)
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
        ]
        indexes = [
            models.Index(fields=["group", "start"]),
            models.Index(fields=["end", "start"]),
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
