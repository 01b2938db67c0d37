"""Coffee roulette actions shared by views, the weekly command and the demo.

Who meets whom and when is decided by `pairing.pair_members` (pure Python);
this module reads its inputs from the database, writes what it decided and
queues the emails through `notifications.email`.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Collection, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import combinations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from groups.models import Group, Membership
from notifications import email
from notifications.models import OptOut, Topic

from .calendar import pairing_invitation
from .models import (
    Pairing,
    PairingMember,
    Participant,
    PartnerBlock,
    RouletteSettings,
    Round,
    SatOut,
)
from .pairing import (
    Member,
    iso_week_of,
    meeting_uid,
    pair_members,
    shared_blocks,
    week_bounds,
)
from .schedule import week_dates

RESCHEDULE_STEP = timedelta(minutes=30)


class RouletteError(Exception):
    """A request that cannot be done; the message is shown to the person."""


# --- participants ---------------------------------------------------------------


def participant_for(membership: Membership) -> Participant:
    """The member's roulette row, or an unsaved one with their profile's zone."""
    existing = Participant.objects.filter(membership=membership).first()
    if existing is not None:
        return existing
    return Participant(membership=membership, timezone=membership.user.timezone)


def participant_opt(*, membership: Membership, opted_in: bool) -> Participant:
    """Join (`opted_in=True`) or leave the group's roulette.

    Joining turns the group's roulette emails back on (deletes that OptOut):
    without them nobody is paired, and asking to take part is asking for them.
    """
    if opted_in:
        OptOut.objects.filter(
            user_id=membership.user_id,
            group_id=membership.group_id,
            topic=Topic.ROULETTE,
        ).delete()
    participant = participant_for(membership)
    participant.opted_in = opted_in
    participant.updated_at = timezone.now()
    participant.save()
    return participant


def participant_skip(*, membership: Membership, iso_week: str) -> Participant:
    """Sit out `iso_week` (an empty string undoes a skip)."""
    participant = participant_for(membership)
    participant.skip_week = iso_week
    participant.updated_at = timezone.now()
    participant.save()
    return participant


def participant_set_availability(
    *, membership: Membership, tz: str, blocks: Iterable[int]
) -> Participant:
    """Store the member's zone and weekly free blocks (local time)."""
    participant = participant_for(membership)
    participant.timezone = tz
    participant.set_blocks(blocks)
    participant.updated_at = timezone.now()
    participant.save()
    return participant


def as_member(
    participant: Participant, *, key: Hashable | None = None, priority: bool = False
) -> Member:
    return Member(
        key=participant.membership.user_id if key is None else key,
        tz=participant.timezone,
        available=participant.blocks,
        sat_out_last_time=priority,
    )


def overlap_count(*, participant: Participant, minutes: int, iso_week: str) -> int:
    """How many others taking part in `iso_week` share a meeting-length stretch.

    Daylight saving aware: the same grids as the weekly pairing, laid over the
    concrete week.
    """
    if not participant.blocks:
        return 0
    me = as_member(participant, key="me")
    others = (
        Participant.objects.taking_part(participant.membership.group, iso_week=iso_week)
        .exclude(membership_id=participant.membership_id)
        .values_list("timezone", "availability")
    )
    count = 0
    for tz, bits in others:
        other = Member(
            key="other",
            tz=tz,
            available=frozenset(i for i, bit in enumerate(bits) if bit == "1"),
        )
        if shared_blocks([me, other], iso_week=iso_week, minutes=minutes):
            count += 1
    return count


# --- the weekly round -------------------------------------------------------------


@dataclass
class RoundReport:
    """What a run did (or, for a dry run, would do)."""

    group: Group
    iso_week: str
    seed: int
    created: bool
    dry_run: bool = False
    meetings: list[tuple[list[User], datetime, datetime]] = field(default_factory=list)
    sat_out: list[tuple[User, str]] = field(default_factory=list)

    @property
    def pairs(self) -> int:
        return sum(1 for people, _, _ in self.meetings if len(people) == 2)

    @property
    def trios(self) -> int:
        return sum(1 for people, _, _ in self.meetings if len(people) == 3)


def pairing_uid(*, group: Group, iso_week: str, user_ids: Collection[int]) -> str:
    """The calendar UID of a meeting: the same group, week and people, same UID."""
    return meeting_uid(
        group_key=group.pk, iso_week=iso_week, members=user_ids, domain="meetings"
    )


def round_run(
    *, group: Group, iso_week: str, seed: int | None = None, dry_run: bool = False
) -> RoundReport:
    """Pair the group's participants for `iso_week`, at most once per group and week.

    Opted-in members not skipping the week are paired by `pair_members` with
    the repeat window and blocks as hard rules and last week's sit-outs first.
    A second run for the same week changes nothing and sends nothing.
    Side effects (none for a dry run): a Round with its Pairings and SatOut rows;
    a pairing email with a calendar invitation (METHOD:REQUEST) to each person
    paired, and an email to each person who sits out.
    """
    seed = secrets.randbelow(2**31) if seed is None else seed
    week_bounds(iso_week)  # refuses a malformed week before anything happens
    with transaction.atomic():
        # The settings row is the lock: two runs for one group take turns, and
        # the second finds the first one's Round.
        config = (
            RouletteSettings.objects.select_for_update()
            .select_related("group")
            .filter(group=group)
            .first()
        )
        if config is None or not config.enabled:
            raise RouletteError(f"Coffee roulette is off for {group.slug}.")
        done = Round.objects.filter(group=group, iso_week=iso_week).first()
        if done is not None:
            return RoundReport(group, iso_week, done.seed, created=False)
        participants = list(Participant.objects.taking_part(group, iso_week=iso_week))
        recent, met = _pair_history(group, iso_week, config.repeat_weeks)
        priority = _last_sat_out(group, iso_week)
        result = pair_members(
            [as_member(p, priority=p.membership.user_id in priority)
             for p in participants],
            iso_week=iso_week,
            minutes=config.minutes,
            recent_pairs=recent,
            blocked=_blocked_pairs(group),
            met_before=met,
            seed=seed,
        )  # fmt: skip
        people = {p.membership.user_id: p.membership.user for p in participants}
        zones = {p.membership.user_id: p.timezone for p in participants}
        report = RoundReport(
            group,
            iso_week,
            seed,
            created=not dry_run,
            dry_run=dry_run,
            meetings=[
                ([people[k] for k in m.members], m.start, m.end) for m in result.groups
            ],
            sat_out=[(people[s.key], str(s.reason)) for s in result.sat_out],
        )
        if not dry_run:
            _store_round(config, report, zones)
    return report


def _store_round(
    config: RouletteSettings, report: RoundReport, zones: dict[int, str]
) -> None:
    group = config.group
    try:
        with transaction.atomic():
            round_ = Round.objects.create(
                group=group, iso_week=report.iso_week, seed=report.seed
            )
    except IntegrityError as error:  # only without row locks (SQLite)
        raise RouletteError(f"{report.iso_week} is being paired already.") from error
    pairings = Pairing.objects.bulk_create(
        [
            Pairing(
                round=round_,
                start=start,
                end=end,
                video_link=config.new_video_link(),
                uid=pairing_uid(
                    group=group,
                    iso_week=report.iso_week,
                    user_ids=[p.pk for p in people],
                ),
            )
            for people, start, end in report.meetings
        ]
    )
    PairingMember.objects.bulk_create(
        [
            PairingMember(pairing=pairing, user=person)
            for pairing, (people, _, _) in zip(pairings, report.meetings, strict=True)
            for person in people
        ]
    )
    SatOut.objects.bulk_create(
        [SatOut(round=round_, user=user, reason=r) for user, r in report.sat_out]
    )
    email.send_roulette_pairings(
        notes=[
            email.PairingNote(
                pairing=pairing,
                recipient=person,
                people=people,
                tz=zones[person.pk],
                invitation=pairing_invitation(
                    pairing=pairing,
                    people=people,
                    tz=zones[person.pk],
                    method="REQUEST",
                    language=person.language,
                ),
            )
            for pairing, (people, _, _) in zip(pairings, report.meetings, strict=True)
            for person in people
        ]
    )
    email.send_roulette_sat_outs(
        group=group,
        people=report.sat_out,
        iso_week=report.iso_week,
        week_dates=week_dates(report.iso_week),
        minutes=config.minutes,
    )


def _pair_history(
    group: Group, iso_week: str, repeat_weeks: int
) -> tuple[set[frozenset], set[frozenset]]:
    """Pairs met within the repeat window (hard rule), and all pairs ever met."""
    monday, _ = week_bounds(iso_week)
    # Paired in week W: not again before week W + repeat_weeks. ISO week labels
    # sort like the weeks themselves, so the window is a string range.
    low = iso_week_of(monday - timedelta(weeks=repeat_weeks))
    high = iso_week_of(monday + timedelta(weeks=repeat_weeks))
    rows = (
        PairingMember.objects.filter(pairing__round__group=group)
        .exclude(pairing__round__iso_week=iso_week)
        .values_list("pairing_id", "pairing__round__iso_week", "user_id")
    )
    people: dict[int, list[int]] = defaultdict(list)
    week_of: dict[int, str] = {}
    for pairing_id, week, user_id in rows.iterator(chunk_size=5000):
        people[pairing_id].append(user_id)
        week_of[pairing_id] = week
    recent: set[frozenset] = set()
    met: set[frozenset] = set()
    for pairing_id, members in people.items():
        pairs = {frozenset(pair) for pair in combinations(members, 2)}
        met |= pairs
        if low < week_of[pairing_id] < high:
            recent |= pairs
    return recent, met


def _last_sat_out(group: Group, iso_week: str) -> set[int]:
    """Who sat out the group's previous round: they get priority now."""
    previous = (
        Round.objects.filter(group=group, iso_week__lt=iso_week)
        .order_by("-iso_week")
        .first()
    )
    if previous is None:
        return set()
    return set(previous.sat_outs.values_list("user_id", flat=True))


def _blocked_pairs(group: Group) -> set[frozenset]:
    rows = PartnerBlock.objects.filter(group=group).values_list(
        "blocker_id", "blocked_id"
    )
    return {frozenset(row) for row in rows}


# --- one meeting: decline, another time, block -------------------------------------


def _lock_for_change(
    pairing: Pairing, user: User, now: datetime
) -> tuple[Pairing, list[PairingMember], PairingMember]:
    locked = (
        Pairing.objects.select_for_update()
        .select_related("round__group")
        .get(pk=pairing.pk)
    )
    seats = list(locked.seats.select_related("user").order_by("pk"))
    mine = next(
        (s for s in seats if s.user_id == user.pk and s.declined_at is None), None
    )
    if mine is None:
        raise RouletteError(gettext("You are not part of this meeting any more."))
    if not locked.is_active:
        raise RouletteError(gettext("This meeting is cancelled."))
    if locked.start <= now:
        raise RouletteError(gettext("This meeting has started or is over."))
    return locked, seats, mine


def zones_of(group: Group, users: Collection[User]) -> dict[int, str]:
    """Each person's roulette zone (their profile's zone if they have none)."""
    found = dict(
        Participant.objects.filter(
            membership__group=group, membership__user__in=users
        ).values_list("membership__user_id", "timezone")
    )
    return {user.pk: found.get(user.pk, user.timezone) for user in users}


def pairing_decline(*, pairing: Pairing, user: User) -> Pairing:
    """`user` cannot make it: a pair is cancelled, a trio goes on without them.

    Side effects: SEQUENCE raised; a calendar cancellation (METHOD:CANCEL) to
    the person who declined and, for a pair, to the partner, who is told who
    cancelled; for a trio, an updated invitation to the two who still meet.
    """
    now = timezone.now()
    with transaction.atomic():
        locked, seats, mine = _lock_for_change(pairing, user, now)
        mine.declined_at = now
        mine.save(update_fields=["declined_at"])
        staying = [s.user for s in seats if s.declined_at is None]
        locked.sequence += 1
        locked.updated_at = now
        if len(staying) < 2:
            locked.status = Pairing.Status.CANCELLED
        locked.save(update_fields=["sequence", "updated_at", "status"])
        # Someone who declined earlier (in a trio) has been told already.
        told = [mine.user, *staying]
        zones = zones_of(locked.round.group, told)
        for person in told:
            # A trio goes on for the two staying; for everyone else it is off.
            still_on = locked.is_active and person.pk != mine.user.pk
            tz = zones[person.pk]
            email.send_roulette_cancelled(
                pairing=locked,
                recipient=person,
                declined_by=mine.user,
                staying=staying,
                tz=tz,
                still_on=still_on,
                invitation=pairing_invitation(
                    pairing=locked,
                    people=staying if still_on else [person],
                    tz=tz,
                    method="REQUEST" if still_on else "CANCEL",
                    language=person.language,
                ),
            )
    return locked


def pairing_time_options(*, pairing: Pairing, now: datetime) -> list[datetime]:
    """Other starts in the pairing's week when everyone still meeting is free.

    Read from their current grids; starts step by 30 minutes from the beginning
    of each common block, only in the future.
    """
    seats = [s for s in pairing.seats.all() if s.declined_at is None]
    participants = list(
        Participant.objects.filter(
            membership__group=pairing.round.group_id,
            membership__user__in=[s.user_id for s in seats],
        ).select_related("membership")
    )
    if len(participants) < len(seats) or len(seats) < 2:
        return []
    length = timedelta(minutes=pairing.minutes)
    options = []
    for start, end in shared_blocks(
        [as_member(p) for p in participants],
        iso_week=pairing.round.iso_week,
        minutes=pairing.minutes,
    ):
        moment = start
        while moment + length <= end:
            if moment > now and moment != pairing.start:
                options.append(moment)
            moment += RESCHEDULE_STEP
    return options


def pairing_reschedule(*, pairing: Pairing, user: User, start: datetime) -> Pairing:
    """Move the meeting to `start`, one of `pairing_time_options`.

    Side effects: SEQUENCE raised; an updated invitation (METHOD:REQUEST, same
    UID) to everyone still meeting, naming who changed the time.
    """
    now = timezone.now()
    with transaction.atomic():
        locked, seats, mine = _lock_for_change(pairing, user, now)
        if start not in pairing_time_options(pairing=locked, now=now):
            raise RouletteError(
                gettext("That time is no longer free for everyone. Choose another one.")
            )
        length = locked.end - locked.start
        locked.start, locked.end = start, start + length
        locked.sequence += 1
        locked.updated_at = now
        locked.save(update_fields=["start", "end", "sequence", "updated_at"])
        staying = [s.user for s in seats if s.declined_at is None]
        zones = zones_of(locked.round.group, staying)
        for person in staying:
            tz = zones[person.pk]
            email.send_roulette_rescheduled(
                pairing=locked,
                recipient=person,
                changed_by=mine.user,
                people=staying,
                tz=tz,
                invitation=pairing_invitation(
                    pairing=locked,
                    people=staying,
                    tz=tz,
                    method="REQUEST",
                    language=person.language,
                ),
            )
    return locked


def partners_of(*, group: Group, user: User) -> list[User]:
    """Everyone `user` was paired with in `group`, by name."""
    return list(
        User.objects.filter(
            roulette_seats__pairing__seats__user=user,
            roulette_seats__pairing__round__group=group,
        )
        .exclude(pk=user.pk)
        .distinct()
        .order_by("name", "pk")
    )


def partner_block(*, group: Group, blocker: User, blocked: User) -> PartnerBlock:
    """`blocker` is never paired with `blocked` in `group` again.

    Only someone they were paired with can be blocked: the roulette pages never
    show other members, and blocking must not reveal who takes part.
    """
    if blocked.pk not in {p.pk for p in partners_of(group=group, user=blocker)}:
        raise RouletteError(gettext("You can only block someone you were paired with."))
    block, _ = PartnerBlock.objects.get_or_create(
        group=group, blocker=blocker, blocked=blocked
    )
    return block


def partner_unblock(*, group: Group, blocker: User, blocked_id: int) -> bool:
    """Allow pairing with someone again; returns whether a block was removed."""
    deleted, _ = PartnerBlock.objects.filter(
        group=group, blocker=blocker, blocked_id=blocked_id
    ).delete()
    return deleted > 0


def pairings_forget_future(*, user: User, group: Group | None = None) -> int:
    """Decline every upcoming meeting of `user` (in `group`, or everywhere).

    Called when someone leaves a group or deletes their account, so a partner
    is never left waiting. Side effects: as `pairing_decline`, for each meeting.
    Returns how many meetings were declined.
    """
    upcoming = Pairing.objects.filter(
        status=Pairing.Status.ACTIVE,
        start__gt=timezone.now(),
        seats__user=user,
        seats__declined_at__isnull=True,
    )
    if group is not None:
        upcoming = upcoming.filter(round__group=group)
    declined = 0
    for pairing in upcoming.distinct().order_by("start"):
        pairing_decline(pairing=pairing, user=user)
        declined += 1
    return declined
