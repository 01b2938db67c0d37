"""The email outbox: every email is a Message with one Delivery per recipient.

Rows are written in the same transaction as the action that causes the email, so
nothing is lost when SendGrid is down; `manage.py send_mail_queue` (and, for
sign-in links, an attempt right after commit) delivers them. A Delivery changes
status only forward — pending, sending, then sent / failed / suppressed — which
is what makes a re-run never send twice.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.sql.compiler import SQLCompiler
from django.urls import reverse
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Topic(models.TextChoices):
    """What a non-transactional email is about; people opt out per group and topic."""

    ANNOUNCEMENTS = "announcements", _("new events")
    MAILINGS = "mailings", _("messages from the owners")
    EVENT_UPDATES = "event_updates", _("updates about events I reply to")
    COMMENTS = "comments", _("comments on events I run or follow")
    # Off means "do not pair me": a partner would wait for someone who never
    # hears of the meeting (roulette.models.ParticipantQuerySet.taking_part).
    ROULETTE = "roulette", _("coffee roulette pairings")


class Message(models.Model):
    kind = models.CharField(max_length=40, db_index=True)
    transactional = models.BooleanField(
        default=False,
        help_text="Sign-in and verification links: sent even to suppressed "
        "addresses and without an unsubscribe link.",
    )
    group = models.ForeignKey(
        "groups.Group", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    topic = models.CharField(max_length=20, choices=Topic.choices, blank=True)
    # Empty: DEFAULT_FROM_EMAIL. Error reports come from SERVER_EMAIL.
    from_email = models.CharField(max_length=300, blank=True)
    subject = models.CharField(max_length=300)
    text = models.TextField()
    html = models.TextField()
    # An iTIP invitation (METHOD:REQUEST or CANCEL) sent as a text/calendar part
    # and as an invite.ics attachment.
    calendar = models.TextField(blank=True)
    calendar_method = models.CharField(max_length=10, blank=True)
    # The link the bodies' placeholder stands for, sealed until it is sent and
    # blanked once the delivery is settled (notifications.sealing).
    secret = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.subject}"


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        SUPPRESSED = "suppressed", _("suppressed")

    # No index of its own: the unique (message, email) index starts with it
    # and serves every lookup by message, and each index is written again on
    # every status change (pending -> sending -> sent).
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    email = models.EmailField()
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # Set after a 5xx or timeout: SendGrid may have sent it, so it gets at most
    # one more try.
    unknown_outcome = models.BooleanField(default=False)
    next_attempt_at = models.DateTimeField(default=dj_timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    provider_message_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "email"], name="delivery_one_per_address"
            )
        ]
        indexes = [
            # Due rows in claim order: the earliest names the message, then
            # that message's rows by (next_attempt_at, id) straight from the
            # index, without sorting every pending row. Partial, so a claim
            # (the row stops being pending) inserts nothing into it.
            models.Index(
                fields=["next_attempt_at", "message", "id"],
                name="delivery_pending_idx",
                condition=models.Q(status="pending"),
            ),
            # Rows in flight, for leases and crash recovery. Partial, so the
            # two UPDATEs every row gets (claim, result) touch it only once.
            models.Index(
                fields=["claimed_at"],
                name="delivery_sending_idx",
                condition=models.Q(status="sending"),
            ),
            # Failed rows by the time of their last attempt, for the status
            # report's "failed in the last 24 h". Partial: failures are few.
            models.Index(
                fields=["claimed_at"],
                name="delivery_failed_idx",
                condition=models.Q(status="failed"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message.subject} → {self.email} ({self.status})"


class AnyOf(models.Lookup):
    """`pk__any=[...]`: the rows whose key is in the list, as one parameter.

    On PostgreSQL `id = ANY(%s)` with the list as one array: `pk__in` writes
    a placeholder per value, and building and quoting 1,000 of them cost the
    sender about 3 ms of CPU per batch. Elsewhere (SQLite) it is `IN`.
    """

    lookup_name = "any"
    prepare_rhs = False

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = [int(value) for value in self.rhs]
        if connection.vendor != "postgresql":
            marks = ", ".join(["%s"] * len(values)) or "NULL"
            return f"{lhs} IN ({marks})", (*lhs_params, *values)
        return f"{lhs} = ANY(%s)", (*lhs_params, values)


Delivery._meta.get_field("id").register_lookup(AnyOf)


class Suppression(models.Model):
    """An address that bounced, blocked or reported spam: it gets sign-in links only."""

    class Reason(models.TextChoices):
        BOUNCE = "bounce", "bounced"
        BLOCKED = "blocked", "blocked"
        DROPPED = "dropped", "dropped"
        SPAMREPORT = "spamreport", "reported as spam"
        UNSUBSCRIBE = "unsubscribe", "unsubscribed from everything"

    email = models.EmailField(unique=True)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now)

    def __str__(self) -> str:
        return f"{self.email} ({self.reason})"

    @classmethod
    def why_not_emailed(cls, reason: str) -> str:
        """The reason as told to someone who typed the address in (an organiser)."""
        if reason in (cls.Reason.UNSUBSCRIBE, cls.Reason.SPAMREPORT):
            return gettext("this address asked for no email from this site")
        return gettext("email to this address could not be delivered")


class WebhookEvent(models.Model):
    """SendGrid event ids already processed, so a redelivered event counts once."""

    sg_event_id = models.CharField(max_length=100, unique=True)
    event = models.CharField(max_length=30)
    email = models.EmailField(blank=True)
    received_at = models.DateTimeField(default=dj_timezone.now)

    def __str__(self) -> str:
        return f"{self.event} {self.email}"


class OptOut(models.Model):
    """A person does not want one topic from one group. No row: they do."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="opt_outs"
    )
    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, related_name="opt_outs"
    )
    topic = models.CharField(max_length=20, choices=Topic.choices)
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "group", "topic"], name="optout_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} opted out of {self.topic} from {self.group}"

    def get_absolute_url(self) -> str:
        return reverse("mailings:preferences")
