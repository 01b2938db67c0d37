from django.db import models


class RateLimitBucket(models.Model):
    """One token bucket, shared by every process through the database."""

    key = models.CharField(max_length=128, unique=True)
    tokens = models.FloatField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.key}: {self.tokens:.1f}"
