from django.db import models
from django.urls import reverse


class RateLimitBucket(models.Model):
    """One token bucket, shared by every process through the database."""

    key = models.CharField(max_length=128, unique=True)
    tokens = models.FloatField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.key}: {self.tokens:.1f}"


class Heartbeat(models.Model):
    """The last sign of life of a long-running process: the sender, the worker.

    One row per process name, overwritten by whichever process of that name
    beat last (core.heartbeat); `manage.py status` reports how old it is.
    """

    name = models.CharField(max_length=40, primary_key=True)
    seen_at = models.DateTimeField()
    pid = models.PositiveIntegerField()
    host = models.CharField(max_length=255)

    def __str__(self) -> str:
        seen = f"{self.seen_at:%Y-%m-%d %H:%M:%S}"
        return f"{self.name}: {seen} (pid {self.pid} on {self.host})"

    def get_absolute_url(self) -> str:
        return reverse("notifications:staff_status")
