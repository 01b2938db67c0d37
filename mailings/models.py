"""Owner mailings: an email to part of a group, composed on the web.

Sending one puts a Message with a Delivery per recipient into the outbox
(notifications), which delivers it like every other email.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _


class Mailing(models.Model):
    """An owner's email to part of a group, composed on the web."""

    class Audience(models.TextChoices):
        MEMBERS = "members", _("all members")
        ATTENDING = "attending", _("attending the event")
        NOT_ATTENDING = "not_attending", _("not attending the event")
        NOT_REPLIED = "not_replied", _("members who have not replied to the event")
        WAITLISTED = "waitlisted", _("on the event's waiting list")

    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, related_name="mailings"
    )
    event = models.ForeignKey(
        "events.Event", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="mailings",
    )  # fmt: skip
    audience = models.CharField(max_length=20, choices=Audience.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField(help_text=_("Markdown."))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.OneToOneField(
        "notifications.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mailing",
    )
    recipient_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=dj_timezone.now)
    queued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The table kept its name when mailings moved out of notifications, so
        # the move changed no data (migrations 0001 here, 0003 there).
        db_table = "notifications_mailing"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        return reverse("mailings:history", kwargs={"slug": self.group.slug})

    @property
    def audience_label(self) -> str:
        label = self.get_audience_display()
        if (
            self.event_id
            and self.audience != self.Audience.MEMBERS
            and self.event is not None
        ):
            return _("%(audience)s: %(event)s") % {
                "audience": label,
                "event": self.event.title,
            }
        return label
