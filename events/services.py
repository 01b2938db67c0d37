"""Event and RSVP actions shared by views, commands and the admin."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from groups.models import Group, Membership
from groups.services import membership_join
from notifications import email
from notifications.outbox import To

from . import calendar
from .models import Event, Rsvp

REPLY_CHOICES = {"attending", "not_attending", "none"}


class RsvpError(Exception):
    """A reply that cannot be recorded; the message is shown to the person."""


def event_create(*, group: Group, by: User, uid: str = "", **fields: Any) -> Event:
    """Create an event with a fresh calendar UID, or `uid` when the meeting has one.

    A meeting already in calendars under `uid` (an agreed poll) becomes this
    event, so calendars update it rather than show it twice; pass a `sequence`
    above the one those calendars hold.

    Side effects: an announcement to the group's members (those who opted out
    of announcements for the group are skipped by the outbox).
    """
    now = timezone.now()
    with transaction.atomic():
        event = Event.objects.create(
            group=group,
            uid=uid or Event.new_uid(),
            created_by=by,
            updated_by=by,
            created_at=now,
            updated_at=now,
            **fields,
        )
        members = Membership.objects.filter(group=group, user__is_active=True)
        rows = members.values_list("user__email", "user_id")
        email.send_event_announcement(
            event=event, recipients=[To(e, uid) for e, uid in rows]
        )
    return event


TIME_OR_PLACE = ("start", "end", "timezone", "venue", "online_url")
# What an attendee's calendar shows: a change raises SEQUENCE and updates it.
IN_CALENDARS = (*TIME_OR_PLACE, "title", "description")


def event_update(*, event: Event, by: User, **fields: Any) -> list[str]:
    """Save changes; a change of what calendars show raises the SEQUENCE.

    Returns the names of the time/place fields that changed. A larger capacity
    moves people up from the waiting list.
    Side effects: when time, place, title or description changed, an updated
    invitation naming them to each person attending (one message each) and
    the news without a calendar to the waiting list; a confirmation to each
    person moved up.
    """
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        shown = [
            f for f in IN_CALENDARS if f in fields and getattr(locked, f) != fields[f]
        ]
        changed = [f for f in shown if f in TIME_OR_PLACE]
        for name, value in fields.items():
            setattr(locked, name, value)
        if shown:
            locked.sequence = F("sequence") + 1
        locked.updated_by = by
        locked.updated_at = timezone.now()
        locked.save()
        locked.refresh_from_db()
        _promote_waitlist(locked)
        if shown:
            email.send_event_changed(
                event=locked,
                changes=shown,
                invitations=calendar.invitations(
                    locked, attendees=_calendar_holders(locked), method="REQUEST"
                ),
                waiting=_waiting(locked),
                time_or_place=bool(changed),
            )
    event.__dict__.update(locked.__dict__)
    return changed


def event_cancel(*, event: Event, by: User, message: str = "") -> None:
    """Cancel an event; it stays visible, marked cancelled, and takes no replies.

    Side effects: a calendar cancellation (METHOD:CANCEL) naming them to each
    person attending (one message each), the news without a calendar to the
    waiting list.
    """
    with transaction.atomic():
        Event.objects.filter(pk=event.pk).update(
            status=Event.Status.CANCELLED,
            cancel_message=message,
            sequence=F("sequence") + 1,
            updated_by=by,
            updated_at=timezone.now(),
        )
        event.refresh_from_db()
        email.send_event_cancelled(
            event=event,
            invitations=calendar.invitations(
                event, attendees=_calendar_holders(event), method="CANCEL"
            ),
            waiting=_waiting(event),
        )


def duplicate_initial(event: Event) -> dict:
    """Form values for a copy of `event`, one week later."""
    week = timedelta(days=7)
    return {
        "title": event.title,
        "description": event.description,
        "start": (event.start + week).astimezone(event.zone).replace(tzinfo=None),
        "end": (event.end + week).astimezone(event.zone).replace(tzinfo=None),
        "timezone": event.timezone,
        "venue": event.venue,
        "online_url": event.online_url,
        "capacity": event.capacity,
    }


def rsvp_set(*, event: Event, user: User, choice: str) -> Rsvp | None:
    """Record a reply: "attending", "not_attending" or "none" (withdraw).

    A non-member joins the group in the same transaction. When the event is full,
    "attending" puts the person on the waiting list; when someone attending
    withdraws, the first person waiting moves up. The event row is locked while
    places are counted, so simultaneous replies never overfill it.
    Returns the reply row, or None for "not replied".
    Side effects: a confirmation (with a calendar invitation when attending) to
    the person, and one to anyone moved up from the waiting list.
    """
    if choice not in REPLY_CHOICES:
        raise RsvpError("Choose attending, not attending or no reply.")
    with transaction.atomic():
        event = (
            Event.objects.select_for_update().select_related("group").get(pk=event.pk)
        )
        if event.is_cancelled:
            raise RsvpError("This event was cancelled; it takes no replies.")
        if event.start <= timezone.now():
            raise RsvpError("This event has started or is over; it takes no replies.")
        membership_join(user=user, group=event.group)
        current = Rsvp.objects.filter(event=event, user=user).first()
        was_attending = current is not None and current.status == Rsvp.Status.ATTENDING
        now = timezone.now()
        if choice == "none":
            if current is not None:
                current.delete()
            result = None
        else:
            status = Rsvp.Status.NOT_ATTENDING
            if choice == "attending":
                status = Rsvp.Status.ATTENDING
                if not was_attending and _is_full(event):
                    status = Rsvp.Status.WAITLISTED
                if current is not None and current.status == Rsvp.Status.WAITLISTED:
                    status = Rsvp.Status.WAITLISTED
            result = current or Rsvp(event=event, user=user, created_at=now)
            if status == Rsvp.Status.WAITLISTED and result.waitlisted_at is None:
                result.waitlisted_at = now
            elif status != Rsvp.Status.WAITLISTED:
                result.waitlisted_at = None
            previous = current.status if current is not None else None
            result.status = status
            result.updated_at = now
            result.save()
            if status != previous and status != Rsvp.Status.NOT_ATTENDING:
                result.event = event
                _confirm(result)
        if was_attending and choice != "attending":
            _withdrawn(event, user)
            _promote_waitlist(event)
    return result


def rsvps_forget_future(*, user: User, group: Group) -> None:
    """Drop a person's replies to the group's future events (they left)."""
    with transaction.atomic():
        future = list(
            Event.objects.select_for_update()
            .select_related("group")
            .filter(group=group, start__gt=timezone.now(), rsvps__user=user)
        )
        attended = set(
            Rsvp.objects.filter(
                event__in=future, user=user, status=Rsvp.Status.ATTENDING
            ).values_list("event_id", flat=True)
        )
        Rsvp.objects.filter(event__in=future, user=user).delete()
        for event in future:
            if event.pk in attended and not event.is_cancelled:
                _withdrawn(event, user)
            _promote_waitlist(event)


def _is_full(event: Event) -> bool:
    if event.capacity is None:
        return False
    attending = Rsvp.objects.filter(event=event, status=Rsvp.Status.ATTENDING).count()
    return attending >= event.capacity


def _promote_waitlist(event: Event) -> list[Rsvp]:
    """Move people up from the waiting list, first come first served.

    The caller holds the lock on the event row.
    """
    waiting = Rsvp.objects.filter(event=event, status=Rsvp.Status.WAITLISTED)
    if event.capacity is None:
        free = None
    else:
        attending = Rsvp.objects.filter(
            event=event, status=Rsvp.Status.ATTENDING
        ).count()
        free = max(event.capacity - attending, 0)
        if free == 0:
            return []
    promoted = list(
        waiting.select_related("user").order_by("waitlisted_at", "pk")[:free]
    )
    now = timezone.now()
    for rsvp in promoted:
        rsvp.status = Rsvp.Status.ATTENDING
        rsvp.waitlisted_at = None
        rsvp.updated_at = now
        rsvp.save(update_fields=["status", "waitlisted_at", "updated_at"])
        rsvp.event = event
        _confirm(rsvp)
    return promoted


def _confirm(rsvp: Rsvp) -> None:
    """The confirmation email; with an invitation unless the person is waiting."""
    invitation = None
    if rsvp.status != Rsvp.Status.WAITLISTED:
        invitation = calendar.invitation(
            rsvp.event, attendee=rsvp.user, method="REQUEST"
        )
    email.send_rsvp_confirmation(rsvp=rsvp, invitation=invitation)


def _withdrawn(event: Event, user: User) -> None:
    """A METHOD:CANCEL for one person who no longer attends, naming them."""
    email.send_rsvp_withdrawn(
        event=event,
        to=To(user.email, user.pk),
        invitation=calendar.invitation(event, attendee=user, method="CANCEL"),
    )


def _calendar_holders(event: Event) -> list[User]:
    """Everyone attending: they hold the event in a calendar."""
    return list(
        User.objects.filter(
            rsvps__event=event, rsvps__status=Rsvp.Status.ATTENDING
        ).order_by("pk")
    )


def _waiting(event: Event) -> list[To]:
    """The waiting list: told of changes, but never sent a calendar."""
    rows = Rsvp.objects.filter(event=event, status=Rsvp.Status.WAITLISTED)
    return [To(e, uid) for e, uid in rows.values_list("user__email", "user_id")]


def is_member(user: User, group: Group) -> bool:
    return Membership.objects.filter(user=user, group=group).exists()
