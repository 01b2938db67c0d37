"""Event and RSVP actions shared by views, commands and the admin."""

from __future__ import annotations

import dataclasses
import zoneinfo
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext, ngettext

from accounts.models import User
from core.images import ProcessedImage, image_remove, image_store
from groups.models import Group, Membership
from groups.services import membership_join
from notifications import email
from notifications.outbox import To

from . import calendar, recurrence
from .models import Event, Rsvp, Series

REPLY_CHOICES = {"attending", "not_attending", "none"}


class RsvpError(Exception):
    """A reply that cannot be recorded; the message is shown to the person."""


def event_create(
    *,
    group: Group,
    by: User,
    uid: str = "",
    cover: ProcessedImage | None = None,
    cover_alt: str = "",
    **fields: Any,
) -> Event:
    """Create an event with a fresh calendar UID, or `uid` when the meeting has one.

    A meeting already in calendars under `uid` (an agreed poll) becomes this
    event, so calendars update it rather than show it twice; pass a `sequence`
    above the one those calendars hold. A `cover` (with its `cover_alt`) is
    stored before the announcement is written, so the announcement shows it.

    Side effects: the cover's file in storage; an announcement to the group's
    members (those who opted out of announcements for the group are skipped by
    the outbox).
    """
    with transaction.atomic():
        event = _new_event(group=group, by=by, uid=uid, **fields)
        event.save()
        if cover is not None:
            event.save(
                update_fields=image_store(event, "cover", image=cover, alt=cover_alt)
            )
        _announce(event)
    return event


def _new_event(*, group: Group, by: User, uid: str = "", **fields: Any) -> Event:
    now = timezone.now()
    return Event(
        group=group,
        uid=uid or Event.new_uid(),
        created_by=by,
        updated_by=by,
        created_at=now,
        updated_at=now,
        **fields,
    )


def _announce(event: Event, *, repeats: str | Promise = "") -> None:
    members = Membership.objects.filter(group=event.group, user__is_active=True)
    rows = members.values_list("user__email", "user_id", "user__language")
    email.send_event_announcement(
        event=event, recipients=[To(*row) for row in rows], repeats=repeats
    )


def series_create(
    *,
    group: Group,
    by: User,
    rule: recurrence.Rule,
    cover: ProcessedImage | None = None,
    cover_alt: str = "",
    **fields: Any,
) -> list[Event]:
    """Create a repeating event: a `Series` and one event per date of `rule`.

    `fields` are an event's, and `start`/`end` those of the first event; every
    event starts at the same wall-clock time in the event's zone and lasts as
    long on the clock. Each is an ordinary event with its own calendar UID,
    replies and capacity. The caller has checked the rule's limits (the form
    does); at most `limit` events are made whatever the rule.
    Returns the events, first to last.
    Side effects: one announcement, of the first event, saying how it repeats;
    the cover's file once per date.
    """
    zone = zoneinfo.ZoneInfo(fields["timezone"])
    first, end = fields.pop("start"), fields.pop("end")
    length = recurrence.wall_clock(end, zone) - recurrence.wall_clock(first, zone)
    starts = recurrence.starts(rule, first.astimezone(zone), limit=SERIES_LIMIT)
    with transaction.atomic():
        series = Series.objects.create(
            group=group,
            frequency=rule.frequency,
            interval=rule.interval,
            monthly_by=rule.monthly_by,
            until=rule.until,
            count=rule.count,
            timezone=zone.key,
            anchor=first,
            created_by=by,
        )
        events = Event.objects.bulk_create(
            [
                _new_event(
                    group=group,
                    by=by,
                    series=series,
                    start=start,
                    end=_after(start, length, zone),
                    **fields,
                )
                for start in starts
            ]
        )
        if cover is not None:
            # A file per date: replacing one date's cover deletes only its own.
            for event in events:
                event.save(
                    update_fields=image_store(
                        event, "cover", image=cover, alt=cover_alt
                    )
                )
        # Lazy: the announcement says it in each recipient's language.
        _announce(events[0], repeats=_repeats(series, events))
    return events


def _repeats_now(series: Series, events: list[Event]) -> str:
    last = events[-1].local_start
    return ngettext(
        "It repeats %(rule)s: %(count)s event, the last on %(last)s.",
        "It repeats %(rule)s: %(count)s events, the last on %(last)s.",
        len(events),
    ) % {
        "rule": series.describe(),
        "count": len(events),
        "last": date_format(last, gettext("l j F Y")),
    }


_repeats = lazy(_repeats_now, str)


# A guard for callers other than the form, which allows 52.
SERIES_LIMIT = 60


def _after(start: datetime, length: timedelta, zone: zoneinfo.ZoneInfo) -> datetime:
    """`length` later on the wall clock of `zone` (a 2-hour event stays 2 hours
    on the clock even on the night the clocks change)."""
    return recurrence.at_wall_clock(recurrence.wall_clock(start, zone) + length, zone)


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


# What "this and all following" copies to the later events when it changed here.
COPIED_TO_FOLLOWING = ("title", "description", "venue", "online_url", "capacity")
TIMING = ("start", "end", "timezone")


def event_update_following(*, event: Event, by: User, **fields: Any) -> list[Event]:
    """Save changes to `event` and to the later events of its series.

    Only what changed on `event` is carried over, so a later event's own edits
    to other fields stay. Later events that have started or were cancelled are
    left alone. When the time, date or zone changed, the series' dates count
    from `event`'s new start from now on, and the later events move to them
    in order (to the 2nd Wednesday from the 2nd Tuesday, to 20:00 local from
    19:00); the earlier events stay where they are.
    Returns the later events changed.
    Side effects: those of `event_update` for each event saved (an updated
    invitation with a raised SEQUENCE to the people attending it, and so on).
    """
    assert event.series_id is not None, "only an event of a series has followers"
    with transaction.atomic():
        series = Series.objects.select_for_update().get(pk=event.series_id)
        following = list(
            Event.objects.select_related("group")
            .filter(series=series, start__gt=max(event.start, timezone.now()))
            .order_by("start", "pk")
        )
        changed = [f for f in fields if getattr(event, f) != fields[f]]
        copied = {f: fields[f] for f in changed if f in COPIED_TO_FOLLOWING}
        dates: list[tuple[datetime, datetime]] = []
        if any(f in TIMING for f in changed):
            dates = _move_anchor(series, fields, later=len(following))
        event_update(event=event, by=by, **fields)
        saved = []
        for position, later in enumerate(following):
            if later.is_cancelled:
                continue
            timing = {}
            if position < len(dates):
                start, end = dates[position]
                timing = {"start": start, "end": end, "timezone": series.timezone}
            if not copied and not timing:
                continue
            event_update(event=later, by=by, **copied, **timing)
            saved.append(later)
    return saved


def _move_anchor(
    series: Series, fields: dict[str, Any], *, later: int
) -> list[tuple[datetime, datetime]]:
    """Count the series from the new start; the (start, end) of the `later`
    dates after it."""
    zone = zoneinfo.ZoneInfo(fields["timezone"])
    first = fields["start"].astimezone(zone)
    length = recurrence.wall_clock(fields["end"], zone) - first.replace(tzinfo=None)
    series.anchor, series.timezone = first, zone.key
    series.save(update_fields=["anchor", "timezone"])
    rule = dataclasses.replace(series.rule, until=None, count=later + 1)
    return [(s, _after(s, length, zone)) for s in recurrence.starts(rule, first)[1:]]


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


def event_cover_set(
    *, event: Event, by: User, alt: str, image: ProcessedImage | None = None
) -> None:
    """Give the event a new cover image (or, without `image`, new alt text).

    Side effects: the new file in storage; the replaced one is deleted from
    storage when the transaction commits. Nobody is emailed.
    """
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        fields = image_store(locked, "cover", image=image, alt=alt)
        locked.updated_by, locked.updated_at = by, timezone.now()
        locked.save(update_fields=[*fields, "updated_by", "updated_at"])
    event.__dict__.update(locked.__dict__)


def event_cover_remove(*, event: Event, by: User) -> None:
    """Take the cover image off the event.

    Side effects: its file is deleted from storage when the transaction commits.
    """
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        fields = image_remove(locked, "cover")
        locked.updated_by, locked.updated_at = by, timezone.now()
        locked.save(update_fields=[*fields, "updated_by", "updated_at"])
    event.__dict__.update(locked.__dict__)


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
        raise RsvpError(gettext("Choose attending, not attending or no reply."))
    with transaction.atomic():
        event = (
            Event.objects.select_for_update().select_related("group").get(pk=event.pk)
        )
        if event.is_cancelled:
            raise RsvpError(gettext("This event was cancelled; it takes no replies."))
        if event.start <= timezone.now():
            raise RsvpError(
                gettext("This event has started or is over; it takes no replies.")
            )
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
        to=To(user.email, user.pk, user.language),
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
    people = rows.values_list("user__email", "user_id", "user__language")
    return [To(*row) for row in people]


def is_member(user: User, group: Group) -> bool:
    return Membership.objects.filter(user=user, group=group).exists()
