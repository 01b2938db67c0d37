"""Comments on an event: a comment, or a reply to one (one level deep).

A reply always hangs off a top-level comment: replying to a reply attaches to
that reply's parent (`comments.services.comment_create`), so threads never nest
further than the event page can show.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _

from events.models import Event


class Comment(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments"
    )
    # Deleting a comment deletes its replies: a reply makes no sense alone.
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="replies",
    )
    body = models.TextField(help_text=_("Markdown."))
    created_at = models.DateTimeField(default=dj_timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            # The event page: an event's newest threads; the list page counts them.
            models.Index(
                fields=["event", "-created_at", "-id"],
                name="comment_thread_idx",
                condition=Q(parent__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author} on {self.event}: {self.body[:40]}"

    def get_absolute_url(self) -> str:
        """The comment in its thread's page."""
        url = reverse(
            "comments:thread",
            kwargs={"pk": self.event_id, "comment_id": self.thread_id},
        )
        return f"{url}#comment-{self.pk}"

    @property
    def thread_id(self) -> int:
        """The top-level comment of this one's thread (itself, or its parent)."""
        return self.parent_id or self.pk

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_edited(self) -> bool:
        return self.edited_at is not None


class Follow(models.Model):
    """A person asked to be emailed about new comments on one event."""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="comment_follows"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="comment_follows",
    )
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="follow_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} follows comments on {self.event}"

    def get_absolute_url(self) -> str:
        return self.event.get_absolute_url()
