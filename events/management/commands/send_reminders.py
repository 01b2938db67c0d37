"""Remind people attending tomorrow's events. Idempotent: run it hourly."""

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from events.models import Event, Rsvp
from notifications import email
from notifications.models import Message
from notifications.outbox import To


class Command(BaseCommand):
    help = "Queue reminders for events starting in the next 24 hours (once each)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="List, queue nothing."
        )

    def handle(self, *args: Any, dry_run: bool, **options: Any) -> None:
        now = timezone.now()
        events = Event.objects.filter(
            status=Event.Status.SCHEDULED,
            start__gt=now,
            start__lte=now + timedelta(hours=24),
            reminded_at__isnull=True,
        ).select_related("group")
        queued = 0
        for event in events:
            if dry_run:
                self.stdout.write(f"would remind: {event.title}")
                continue
            with transaction.atomic():
                # The conditional update is the idempotency guard: two runs at
                # once cannot both remind the same event.
                if not Event.objects.filter(
                    pk=event.pk, reminded_at__isnull=True
                ).update(reminded_at=now):
                    continue
                rows = Rsvp.objects.filter(
                    event=event, status=Rsvp.Status.ATTENDING
                ).values_list("user__email", "user_id", "user__language")
                messages: list[Message] = email.send_reminder(
                    event=event, recipients=[To(*row) for row in rows]
                )
                queued += sum(message.deliveries.count() for message in messages)
                self.stdout.write(f"reminded: {event.title}")
        self.stdout.write(f"{queued} reminder{'s' if queued != 1 else ''} queued.")
