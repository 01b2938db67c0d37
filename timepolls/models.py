"""Find a time: polls, their candidate times, parties, answers, links and the log.

A poll belongs to its organiser, who is also its first party. Every other party
is an email address (a group member's or a plain one); an address never becomes
an account. Parties open the poll with a private link (`PartyLink`, stored
hashed) or, when signed in with the same address, from "My polls".

When a person deletes their account, nothing here needs forgetting: the polls
they organised stay with the anonymised account, so their parties keep the
outcome, and their party rows on other polls are addresses the organiser
entered, which stay with those polls.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
import zoneinfo
from datetime import UTC, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import validate_timezone


def hash_token(raw: str) -> str:
    """SHA-256 of a private link's token; only this is ever stored."""
    return hashlib.sha256(raw.encode()).hexdigest()


class Choice(models.TextChoices):
    YES = "yes", _("yes")
    MAYBE = "maybe", _("if need be")
    NO = "no", _("no")


class PollQuerySet(models.QuerySet):
    def for_person(self, user):
        """Polls a signed-in person organises or is a party to (by address)."""
        invited = Party.objects.filter(email=user.email.lower()).values("poll_id")
        return self.filter(Q(organiser=user) | Q(pk__in=invited))


class Poll(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("open")
        AGREED = "agreed", _("agreed")
        CANCELLED = "cancelled", _("cancelled")

    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="polls"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    location = models.CharField(max_length=300, blank=True)
    duration_minutes = models.PositiveIntegerField()
    timezone = models.CharField(
        "time zone", max_length=64, default="UTC", validators=[validate_timezone]
    )
    deadline = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.OPEN
    )
    agreed_time = models.ForeignKey(
        "PollTime", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancel_message = models.TextField(blank=True)
    # Raised by every change to the times or the state: API updates carry the
    # version they saw and are refused (412) when it moved on.
    version = models.PositiveIntegerField(default=1)
    uid = models.CharField(max_length=100, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    all_answered_at = models.DateTimeField(null=True, blank=True, editable=False)
    event = models.ForeignKey(
        "events.Event", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(default=dj_timezone.now)
    updated_at = models.DateTimeField(default=dj_timezone.now)

    objects = PollQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=1440),
                name="poll_duration_range",
            ),
        ]
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("timepolls:detail", kwargs={"pk": self.pk})

    @staticmethod
    def new_uid() -> str:
        return f"poll-{uuid.uuid4()}@meetings"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def deadline_passed(self) -> bool:
        return self.deadline is not None and self.deadline <= dj_timezone.now()

    @property
    def accepts_answers(self) -> bool:
        return self.is_open and not self.deadline_passed

    def link_expiry(self):
        """When a link issued now stops working: the deadline, or after N days."""
        if self.deadline is not None and self.deadline > dj_timezone.now():
            return self.deadline
        return dj_timezone.now() + timedelta(days=settings.POLL_LINK_DAYS)


class PollTime(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="times")
    start = models.DateTimeField()
    created_at = models.DateTimeField(default=dj_timezone.now)

    # The start in the viewer's zone, which the poll page sets for its template:
    # the whole label, and its two parts (the time; the zone and offset).
    label: str
    when: str
    where: str

    class Meta:
        ordering = ["start", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "start"], name="polltime_unique")
        ]

    def __str__(self) -> str:
        return self.start.isoformat()

    def get_absolute_url(self) -> str:
        return self.poll.get_absolute_url()

    @property
    def end(self):
        return self.start + self.poll.duration

    @property
    def key(self) -> str:
        """A stable name for the time in audit snapshots (survives its removal)."""
        return self.start.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


class Party(models.Model):
    """Someone asked to answer: the organiser, a group member or a plain address."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="parties")
    email = models.EmailField()
    name = models.CharField(max_length=100)
    is_organiser = models.BooleanField(default=False)
    timezone = models.CharField(
        "time zone", max_length=64, default="UTC", validators=[validate_timezone]
    )
    comment = models.TextField(blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    link_requested_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now)

    # What the organiser's poll page sets for its template.
    latest_link: PartyLink | None
    has_answered: bool
    not_emailed: str  # why the site may not email this address ("" if it may)

    class Meta:
        ordering = ["-is_organiser", "name", "pk"]
        verbose_name_plural = "parties"
        constraints = [
            models.UniqueConstraint(fields=["poll", "email"], name="party_unique"),
            models.CheckConstraint(
                condition=Q(email=Lower("email")), name="party_email_lowercase"
            ),
        ]
        indexes = [models.Index(fields=["email"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return self.poll.get_absolute_url()

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class Answer(models.Model):
    """A party's answer to one time. No row: not answered yet."""

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="answers")
    time = models.ForeignKey(PollTime, on_delete=models.CASCADE, related_name="answers")
    choice = models.CharField(max_length=5, choices=Choice.choices)
    updated_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["party", "time"], name="answer_unique")
        ]

    def __str__(self) -> str:
        return f"{self.party}: {self.time} {self.choice}"

    def get_absolute_url(self) -> str:
        return self.party.get_absolute_url()


class PartyLinkQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, expires_at__gt=dj_timezone.now())


class PartyLink(models.Model):
    """A private link for one party of one poll. Only the SHA-256 is stored.

    It never signs anyone in: it opens that party's view of that poll until it
    expires or is revoked (agreement, cancellation, a re-issue, the organiser).
    """

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=dj_timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=40, blank=True)

    objects = PartyLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["party", "revoked_at"])]

    def __str__(self) -> str:
        return f"link for {self.party}"

    def get_absolute_url(self) -> str:
        return self.party.get_absolute_url()

    @classmethod
    def issue(cls, *, party: Party) -> tuple[PartyLink, str]:
        """A new link row and its raw token (256 random bits)."""
        raw = secrets.token_urlsafe(32)
        link = cls.objects.create(
            party=party,
            token_hash=hash_token(raw),
            expires_at=party.poll.link_expiry(),
        )
        return link, raw

    @classmethod
    def lookup(cls, raw: str) -> PartyLink | None:
        """The link for a raw token whatever its state, with party and poll."""
        if not raw or len(raw) > 100:
            return None
        return (
            cls.objects.select_related("party__poll__organiser")
            .filter(token_hash=hash_token(raw))
            .first()
        )

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > dj_timezone.now()

    @property
    def problem(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= dj_timezone.now():
            return "expired"
        return ""


class AuditImmutableError(Exception):
    """Audit entries are written once and never changed or removed."""


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditImmutableError("Audit entries cannot be changed.")

    def delete(self):
        raise AuditImmutableError("Audit entries cannot be deleted.")


class AuditEntry(models.Model):
    """One thing that happened to a poll. Append-only.

    The poll is referenced by id with a title snapshot (no foreign key), so the
    log outlives the poll; the actor is a snapshot too (ids plus a label).
    """

    class Action(models.TextChoices):
        CREATED = "created", _("created the poll")
        VIEWED = "viewed", _("viewed the poll")
        ANSWERED = "answered", _("changed answers")
        ZONE_CHANGED = "zone_changed", _("changed time zone")
        TIME_ADDED = "time_added", _("added times")
        TIME_REMOVED = "time_removed", _("removed a time")
        NOTIFIED = "notified", _("sent notifications")
        LINK_ISSUED = "link_issued", _("issued a new link")
        LINK_REVOKED = "link_revoked", _("revoked a link")
        LINK_REJECTED = "link_rejected", _("used a link that no longer works")
        LINK_REQUESTED = "link_requested", _("asked for a new link")
        AGREED = "agreed", _("agreed a time")
        CANCELLED = "cancelled", _("cancelled the poll")
        EVENT_CREATED = "event_created", _("made a group event")
        DELETED = "deleted", _("deleted the poll")

    class Via(models.TextChoices):
        WEB = "web", _("web")
        LINK = "link", _("private link")
        API = "api", _("API")
        SYSTEM = "system", _("automatic")

    class ActorKind(models.TextChoices):
        PERSON = "person", _("person")
        PARTY = "party", _("party")
        TOKEN = "token", _("API token")
        SYSTEM = "system", _("system")

    poll_id = models.BigIntegerField(db_index=True)
    poll_title = models.CharField(max_length=200)
    at = models.DateTimeField(default=dj_timezone.now)
    action = models.CharField(max_length=20, choices=Action.choices)
    via = models.CharField(max_length=10, choices=Via.choices)
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    actor_user_id = models.BigIntegerField(null=True, blank=True)
    actor_party_id = models.BigIntegerField(null=True, blank=True)
    actor_token_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=200)
    detail = models.JSONField(default=dict, blank=True)
    answers_before = models.JSONField(null=True, blank=True)
    answers_after = models.JSONField(null=True, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["poll_id", "-at"]),
            # An organiser's polls of the last 24 hours, for the cap on new
            # addresses (timepolls.services.poll_create).
            models.Index(
                fields=["actor_user_id", "at"],
                name="audit_created_by_idx",
                condition=Q(action="created"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.get_action_display()} ({self.poll_title})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditImmutableError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("timepolls:log", kwargs={"pk": self.poll_id})

    def delete(self, *args, **kwargs):
        raise AuditImmutableError("Audit entries cannot be deleted.")
