from django.utils import timezone

from .models import ApiToken


def forget(user) -> None:
    """On account deletion: API tokens stop working.

    Polls the person organised stay with the anonymised account, so their
    parties keep the outcome; their party rows on other polls are addresses
    the organiser entered, and stay with those polls.
    """
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
