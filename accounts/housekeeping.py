"""Accounts' part of `manage.py housekeeping` (see core.housekeeping)."""

from django.db.models import Q

from core.housekeeping import Step

from .models import LoginToken


def steps(*, now, cutoff) -> list[Step]:
    """Sign-in, verification and email-change links that are used or expired."""
    spent = LoginToken.objects.filter(Q(used_at__isnull=False) | Q(expires_at__lte=now))
    return [Step.deleting("login_tokens", spent)]
