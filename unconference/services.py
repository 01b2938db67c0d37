"""Unconference actions shared by views, the command, the task and the demo.

Rows become a scheduler problem in `adapter`; personal agendas are worked out
in `agenda`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from accounts.models import User
from core.links import absolute_url
from events.models import CalendarFeed, Event, Rsvp
from notifications import email
from notifications.outbox import To

from . import scheduler
from .adapter import build_instance, key_pk
from .agenda import Programme, agenda_signature
from .errors import UnconferenceError as UnconferenceError
from .models import (
    Interest,
    Room,
    ScheduleRun,
    Session,
    Slot,
    Unconference,
    title_key,
)

logger = logging.getLogger(__name__)

#: The form names the clashing session; this is for two submits at once.
TITLE_TAKEN = gettext_lazy(
    "There is a session with this title in this event already (titles are "
    "compared ignoring case and spaces). Choose another title."
)
#: A queued or running run older than this is taken to be lost (worker gone).
STALE_AFTER = timedelta(minutes=15)


# --- setting up -----------------------------------------------------------------


def unconference_enable(*, event: Event) -> Unconference:
    """Turn unconference mode on (creating its settings with the defaults)."""
    if event.is_cancelled:
        raise UnconferenceError(
            gettext("A cancelled event cannot become an unconference.")
        )
    with transaction.atomic():
        unconference, created = Unconference.objects.get_or_create(event=event)
        if not created and not unconference.enabled:
            unconference.enabled = True
            unconference.save(update_fields=["enabled"])
    return unconference


def slot_delete(*, slot: Slot) -> None:
    """Delete a slot; sessions pinned to it lose their pin (room included)."""
    with transaction.atomic():
        Session.objects.filter(pinned_slot=slot).update(
            pinned_slot=None, pinned_room=None
        )
        slot.delete()


def proposal_limit(unconference: Unconference) -> int:
    """At most as many proposals per person as there are (non-break) slots."""
    return Slot.objects.filter(unconference=unconference, is_break=False).count()


# --- proposals and interest -----------------------------------------------------


def _check_can_propose(unconference: Unconference) -> None:
    event = unconference.event
    if event.is_cancelled or event.is_past:
        raise UnconferenceError(gettext("This event is over or cancelled."))
    if not unconference.proposals_open:
        raise UnconferenceError(gettext("Proposals are closed for this event."))


def session_propose(
    *,
    unconference: Unconference,
    by: User,
    title: str,
    description: str,
    unavailable_slots: Iterable[Slot],
) -> Session:
    """Propose a session. The unconference row is locked while the person's
    proposals are counted, so two quick submits cannot pass the limit."""
    _check_can_propose(unconference)
    with transaction.atomic():
        Unconference.objects.select_for_update().get(pk=unconference.pk)
        limit = proposal_limit(unconference)
        if limit == 0:
            raise UnconferenceError(
                gettext(
                    "The owners have not set up session slots yet; proposals open then."
                )
            )
        mine = Session.objects.filter(unconference=unconference, proposer=by).count()
        if mine >= limit:
            raise UnconferenceError(
                gettext(
                    "You have proposed %(count)s sessions, as many as there are "
                    "slots (%(limit)s). Withdraw one to propose another."
                )
                % {"count": mine, "limit": limit}
            )
        now = timezone.now()
        try:
            with transaction.atomic():
                session = Session.objects.create(
                    unconference=unconference,
                    proposer=by,
                    title=title,
                    title_key=title_key(title),
                    description=description,
                    created_at=now,
                    updated_at=now,
                )
        except IntegrityError as error:
            raise UnconferenceError(TITLE_TAKEN) from error
        session.unavailable_slots.set(unavailable_slots)
    return session


def session_update(
    *,
    session: Session,
    title: str,
    description: str,
    unavailable_slots: Iterable[Slot],
) -> Session:
    """The proposer edits their session; not after the timetable is published."""
    if session.unconference.is_published:
        raise UnconferenceError(
            gettext(
                "The timetable is published; ask the owners to change this session."
            )
        )
    with transaction.atomic():
        session.title = title
        session.title_key = title_key(title)
        session.description = description
        session.updated_at = timezone.now()
        try:
            with transaction.atomic():
                session.save()
        except IntegrityError as error:
            raise UnconferenceError(TITLE_TAKEN) from error
        session.unavailable_slots.set(unavailable_slots)
    return session


def session_withdraw(*, session: Session) -> None:
    """Delete a proposal and the interest in it; not after publication."""
    if session.unconference.is_published:
        raise UnconferenceError(
            gettext(
                "The timetable is published; ask the owners to take this session out."
            )
        )
    session.delete()


def interest_set(
    *, unconference: Unconference, user: User, levels: dict[int, str]
) -> int:
    """Record a person's interest in sessions of this unconference.

    Unknown session pks and the person's own sessions (they count as "very")
    are skipped. Returns how many ratings were saved.
    """
    if not unconference.interest_open:
        raise UnconferenceError(gettext("Marking interest is closed for this event."))
    valid = set(Interest.Level.values)
    sessions = set(
        Session.objects.filter(unconference=unconference, pk__in=levels.keys())
        .exclude(proposer=user)
        .values_list("pk", flat=True)
    )
    now = timezone.now()
    rows = [
        Interest(session_id=pk, user=user, level=level, updated_at=now)
        for pk, level in levels.items()
        if pk in sessions and level in valid
    ]
    Interest.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["session", "user"],
        update_fields=["level", "updated_at"],
    )
    return len(rows)


# --- running the scheduler ----------------------------------------------------------


def schedule_blocker(unconference: Unconference) -> str:
    """Why a run cannot start now, or "" when it can."""
    if not Slot.objects.filter(unconference=unconference, is_break=False).exists():
        return gettext("Add at least one session slot (not a break) first.")
    if not Room.objects.filter(unconference=unconference).exists():
        return gettext("Add at least one room first.")
    if not Session.objects.filter(unconference=unconference).exists():
        return gettext("There are no sessions to schedule yet.")
    active = ScheduleRun.objects.filter(
        unconference=unconference,
        status__in=[ScheduleRun.Status.QUEUED, ScheduleRun.Status.RUNNING],
        created_at__gt=timezone.now() - STALE_AFTER,
    )
    if active.exists():
        return gettext(
            "A run is in progress already; its result shows here when it is done."
        )
    return ""


def schedule_request(
    *,
    unconference: Unconference,
    by: User | None,
    seconds: float,
    seed: int,
    enqueue: bool = True,
) -> ScheduleRun:
    """Create a run and queue it for the task worker.

    The task row is written in the same transaction as the run (the database
    task backend is transactional), so the worker never sees one without the
    other. Side effects: a task for `unconference.tasks.run_schedule`.
    """
    from .tasks import run_schedule

    with transaction.atomic():
        Unconference.objects.select_for_update().get(pk=unconference.pk)
        blocker = schedule_blocker(unconference)
        if blocker:
            raise UnconferenceError(blocker)
        run = ScheduleRun.objects.create(
            unconference=unconference, requested_by=by, seconds=seconds, seed=seed
        )
        if enqueue:
            run_schedule.enqueue(run.pk)
    return run


def schedule_execute(*, run_id: int) -> ScheduleRun | None:
    """Run the scheduler for a queued run and store the outcome.

    Claims the run with a conditional update (queued -> running), so a task
    delivered twice runs once; returns None when it was claimed already. The
    search runs outside any transaction. After a publication the published
    timetable is passed as `previous`, so few sessions move.
    """
    claimed = ScheduleRun.objects.filter(
        pk=run_id, status=ScheduleRun.Status.QUEUED
    ).update(status=ScheduleRun.Status.RUNNING, started_at=timezone.now())
    if claimed != 1:
        return None
    run = ScheduleRun.objects.select_related(
        "unconference__event", "unconference__published_run"
    ).get(pk=run_id)
    try:
        _solve_into(run)
    except UnconferenceError as error:
        _fail(run, str(error))
    except Exception:
        _fail(run, "The scheduler stopped with an error; the worker log has details.")
        raise
    return run


def _solve_into(run: ScheduleRun) -> None:
    unconference = run.unconference
    instance = build_instance(unconference)
    published = unconference.published_run
    previous = instance.to_assignment(published.cells) if published else None
    result = scheduler.solve(
        instance.problem, seconds=run.seconds, seed=run.seed, previous=previous
    )
    baseline = scheduler.evaluate(
        instance.problem, scheduler.random_assignment(instance.problem, seed=run.seed)
    )
    last = (
        ScheduleRun.objects.filter(
            unconference=unconference,
            status=ScheduleRun.Status.DONE,
            created_at__lte=run.created_at,
        )
        .exclude(pk=run.pk)
        .first()
    )
    run.status = ScheduleRun.Status.DONE
    run.based_on = published
    run.previous_run = last
    run.previous_utility = last.utility if last else None
    run.utility = result.utility
    run.upper_bound = result.upper_bound
    run.random_utility = baseline.utility
    run.overflow = result.overflow
    run.moved_from_published = len(result.changes) if published else None
    run.assignment = instance.to_cells(result.assignment)
    run.attendance = {
        str(key_pk(s)): round(a, 2) for s, a in result.score.expected_attendance.items()
    }
    run.unplaced = [key_pk(s) for s in result.unplaced]
    run.runtime = result.runtime
    run.steps = result.iterations
    run.step_budget = result.step_budget
    run.capped = result.capped
    run.finished_at = timezone.now()
    run.save()


def _fail(run: ScheduleRun, message: str) -> None:
    run.status = ScheduleRun.Status.FAILED
    run.error = message
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])


def schedule_adjust(
    *, run: ScheduleRun, by: User, session_id: int, slot_id: int, room_id: int
) -> ScheduleRun:
    """A new finished run: `run`'s timetable with one session moved by hand.

    A session already in the target cell swaps places with the moved one.
    The result must keep every hard rule (pins, availability, proposers in
    one place at a time); otherwise UnconferenceError lists what breaks.
    """
    if run.status != ScheduleRun.Status.DONE:
        raise UnconferenceError(gettext("Only a finished timetable can be adjusted."))
    instance = build_instance(run.unconference)
    cells = {s: c for s, c in run.cells.items() if s in instance.sessions}
    old = cells.get(session_id)
    for other, cell in list(cells.items()):
        if cell == (slot_id, room_id) and other != session_id:
            if old is None:
                del cells[other]
            else:
                cells[other] = old
    cells[session_id] = (slot_id, room_id)
    assignment = instance.to_assignment(cells)
    errors = scheduler.validate(instance.problem, assignment)
    if errors:
        raise UnconferenceError(
            gettext("That move breaks a rule: %(rules)s.")
            % {"rules": "; ".join(errors)}
        )
    score = scheduler.evaluate(instance.problem, assignment)
    published = run.unconference.published_run
    moved = None
    if published is not None:
        before = published.cells
        moved = sum(1 for s, c in cells.items() if s in before and before[s] != c)
    now = timezone.now()
    return ScheduleRun.objects.create(
        unconference=run.unconference,
        status=ScheduleRun.Status.DONE,
        seed=run.seed,
        seconds=0,
        requested_by=by,
        adjusted_from=run,
        previous_run=run,
        based_on=published,
        utility=score.utility,
        upper_bound=score.upper_bound,
        random_utility=run.random_utility,
        previous_utility=run.utility,
        overflow=score.overflow,
        moved_from_published=moved,
        assignment=instance.to_cells(assignment),
        attendance={
            str(key_pk(s)): round(a, 2) for s, a in score.expected_attendance.items()
        },
        unplaced=[pk for pk in instance.sessions if pk not in cells],
        runtime=0,
        created_at=now,
        started_at=now,
        finished_at=now,
    )


# --- publishing -------------------------------------------------------------------


def schedule_publish(*, run: ScheduleRun, by: User) -> list[int]:
    """Publish a finished run as the event's timetable.

    Returns the pks of the people emailed. Side effects: each person attending
    gets their personal agenda by email (one message each, since agendas
    differ) — on a re-publication only those whose agenda changed.
    """
    with transaction.atomic():
        unconference = (
            Unconference.objects.select_for_update(of=("self",))
            .select_related("event__group", "published_run")
            .get(pk=run.unconference_id)
        )
        run = ScheduleRun.objects.select_for_update().get(pk=run.pk)
        if run.status != ScheduleRun.Status.DONE:
            raise UnconferenceError(gettext("Only a finished run can be published."))
        old = unconference.published_run
        if old is not None and old.pk == run.pk:
            raise UnconferenceError(gettext("This timetable is published already."))
        run.published_at = timezone.now()
        run.save(update_fields=["published_at"])
        unconference.published_run = run
        unconference.save(update_fields=["published_run"])
        programme = Programme.load(unconference)
        emailed: list[int] = []
        for user in _attending_people(unconference.event):
            items = programme.agenda(user.pk, run.cells)
            if old is not None and agenda_signature(items) == agenda_signature(
                programme.agenda(user.pk, old.cells)
            ):
                continue
            feed, _ = CalendarFeed.objects.get_or_create(
                user=user, defaults={"token": CalendarFeed.new_token()}
            )
            email.send_unconference_agenda(
                unconference=unconference,
                recipient=To(user.email, user.pk, user.language),
                feed_url=absolute_url(
                    reverse(
                        "unconference:agenda_feed",
                        kwargs={"token": feed.token, "pk": unconference.event_id},
                    )
                ),
                name=user.name,
                agenda=items,
                coverage=programme.coverage(user.pk, run.cells),
                changed=old is not None,
            )
            emailed.append(user.pk)
    return emailed


def _attending_people(event: Event) -> QuerySet[User]:
    return User.objects.filter(
        rsvps__event=event, rsvps__status=Rsvp.Status.ATTENDING, is_active=True
    ).order_by("pk")
