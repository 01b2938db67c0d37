"""Find-a-time actions shared by the web pages, the JSON API and the commands.

Every function here that changes a poll locks the poll row, checks the version
the caller saw (when given), does its work, queues its email and writes exactly
one audit entry, all in one transaction; a refused action raises `PollError`
and writes nothing. Follow-ups the system decides on its own (the note that
everyone answered, an automatic agreement) are separate actions with their own
entries, written by the system actor.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, IntegerField, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import User
from core import ratelimit
from core.links import absolute_reverse
from events.models import Event
from groups.models import Group
from notifications import email
from notifications.outbox import To, not_emailed

from . import tally as tallies
from . import times as poll_times
from .audit import SYSTEM, Actor, record, record_at_most_every
from .calendar import invitation_ics
from .models import (
    Answer,
    AuditEntry,
    Choice,
    Party,
    PartyLink,
    Poll,
    PollTime,
)
from .times import format_time

Action = AuditEntry.Action
MAX_PARTIES = 200
# What a GET logs is logged at most once per actor in this window.
GET_LOG_WINDOW = timedelta(hours=1)
# Emails a poll's organiser can cause per hour through notify, resend and
# re-issue; a party can ask for a new link once per hour.
MAIL_ACTIONS_PER_HOUR = 30
# The `created` entry's count of addresses new to the organiser, and the window
# POLL_NEW_ADDRESSES_PER_DAY applies to.
NEW_ADDRESSES = "new_addresses"
NEW_ADDRESS_WINDOW = timedelta(hours=24)


class PollError(Exception):
    """An action that cannot be done; the message is shown to the person."""

    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code:
            self.code = code


class StaleVersionError(PollError):
    code = "stale"


class NeedsConfirmationError(PollError):
    code = "needs_confirmation"


@dataclass(frozen=True)
class Notified:
    """Whom `poll_notify` emailed, and the parties it skipped, with the reason."""

    sent: list[Party]
    skipped: list[tuple[Party, str]]

    @property
    def note(self) -> str:
        """The skipped parties as told to the organiser ("" when none)."""
        if not self.skipped:
            return ""
        return gettext("Not emailed: %(parties)s.") % {
            "parties": ", ".join(f"{p.name} ({why})" for p, why in self.skipped)
        }


def _mailable(parties: list[Party]) -> Notified:
    """Split parties into those the site may email and the suppressed ones.

    A party's address was typed in by the organiser; one that unsubscribed,
    bounced or reported spam gets no link (the outbox would not send it).
    """
    reasons = not_emailed(p.email for p in parties)
    return Notified(
        sent=[p for p in parties if p.email not in reasons],
        skipped=[(p, reasons[p.email]) for p in parties if p.email in reasons],
    )


@dataclass(frozen=True)
class PartySpec:
    email: str
    name: str
    timezone: str


def group_parties(group: Group) -> list[PartySpec]:
    """Every active member of a group as a party, in their own time zone."""
    rows = group.memberships.filter(user__is_active=True).values_list(
        "user__email", "user__name", "user__timezone"
    )
    return [PartySpec(email=e, name=n, timezone=tz) for e, n, tz in rows]


def _lock(poll: Poll, expected_version: int | None) -> Poll:
    locked = (
        Poll.objects.select_for_update(of=("self",))
        .select_related("organiser", "agreed_time")
        .get(pk=poll.pk)
    )
    if expected_version is not None and expected_version != locked.version:
        raise StaleVersionError(
            gettext(
                "The poll changed since you loaded it (version %(expected)s, now "
                "%(version)s). Reload it and try again."
            )
            % {"expected": expected_version, "version": locked.version}
        )
    return locked


def _require_open(poll: Poll) -> None:
    if poll.status != Poll.Status.OPEN:
        raise PollError(
            gettext("This poll is %(status)s.") % {"status": poll.get_status_display()},
            code="closed",
        )


def _bump(poll: Poll, *fields: str) -> None:
    poll.version += 1
    poll.updated_at = timezone.now()
    poll.save(update_fields=["version", "updated_at", *fields])


def _mail_budget(key: str) -> None:
    if not ratelimit.take(key, capacity=MAIL_ACTIONS_PER_HOUR, period=3600):
        raise PollError(
            gettext("Too many emails from this poll. Please wait an hour."),
            code="rate_limited",
        )


def _link_url(raw: str) -> str:
    return absolute_reverse("timepolls:link", token=raw)


def _revoke_links(parties: Iterable[Party], *, reason: str) -> int:
    return PartyLink.objects.filter(party__in=parties, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason=reason
    )


# --- creating and notifying -----------------------------------------------------------


def poll_create(
    *,
    organiser: User,
    actor: Actor,
    title: str,
    duration_minutes: int,
    times: list[datetime],
    parties: list[PartySpec],
    tz: str = "UTC",
    description: str = "",
    location: str = "",
    deadline: datetime | None = None,
) -> Poll:
    """Create a poll with its times; the organiser is its first party.

    The actor is the organiser (on the page or with their API token). New
    addresses (no account, never invited by this organiser) count against
    POLL_NEW_ADDRESSES_PER_DAY over 24 hours; past it the poll is refused.
    Side effects: Poll, PollTime and Party rows; one `created` audit entry,
    which records how many addresses were new. No email: links go out with
    `poll_notify`.
    """
    if not times:
        raise PollError(gettext("Give at least one candidate time."))
    if len(times) > poll_times.MAX_TIMES:
        raise PollError(
            gettext("A poll can have at most %(limit)s times.")
            % {"limit": poll_times.MAX_TIMES}
        )
    if deadline is not None and deadline <= timezone.now():
        raise PollError(gettext("The deadline must be in the future."))
    own = organiser.email.lower()
    others = {p.email.lower(): p for p in parties if p.email.lower() != own}
    if not others:
        raise PollError(gettext("Invite at least one other party."))
    if len(others) > MAX_PARTIES:
        raise PollError(
            gettext("A poll can have at most %(limit)s parties.")
            % {"limit": MAX_PARTIES}
        )
    now = timezone.now()
    with transaction.atomic():
        new = _new_addresses(organiser, list(others))
        if new:
            _check_new_address_cap(organiser, asked=len(new), now=now)
        poll = Poll.objects.create(
            organiser=organiser, title=title, description=description,
            location=location, duration_minutes=duration_minutes, timezone=tz,
            deadline=deadline, uid=Poll.new_uid(), created_at=now, updated_at=now,
        )  # fmt: skip
        PollTime.objects.bulk_create(
            [PollTime(poll=poll, start=start, created_at=now) for start in times]
        )
        rows = [
            Party(poll=poll, email=own, name=organiser.name or own,
                  is_organiser=True, timezone=organiser.timezone),
        ] + [
            Party(poll=poll, email=e, name=p.name, timezone=p.timezone)
            for e, p in others.items()
        ]  # fmt: skip
        Party.objects.bulk_create(rows)
        record(
            poll,
            actor,
            Action.CREATED,
            detail={
                "times": [t.strftime("%Y-%m-%dT%H:%MZ") for t in times],
                "parties": [p.name for p in others.values()],
                "deadline": deadline.isoformat() if deadline else None,
                NEW_ADDRESSES: len(new),
            },
        )
    return poll


def _new_addresses(organiser: User, emails: list[str]) -> set[str]:
    """The addresses without an account that the organiser has not invited yet.

    "Invited" means a party on one of their polls; a deleted poll's addresses
    are new again, and its `created` entry still counts them (see below).
    """
    known = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    known.update(
        Party.objects.filter(poll__organiser=organiser, email__in=emails)
        .values_list("email", flat=True)
        .distinct()
    )
    return set(emails) - known


def _check_new_address_cap(organiser: User, *, asked: int, now: datetime) -> None:
    """Refuse `asked` new addresses that would pass the organiser's 24-hour cap.

    The count comes from the append-only audit log, which outlives deleted
    polls. The organiser's row is locked first, so two polls created at once
    cannot both take the last places.
    """
    User.objects.select_for_update().filter(pk=organiser.pk).exists()
    cap = max(settings.POLL_NEW_ADDRESSES_PER_DAY, 0)
    used = (
        AuditEntry.objects.filter(
            action=Action.CREATED,
            actor_user_id=organiser.pk,
            at__gt=now - NEW_ADDRESS_WINDOW,
        ).aggregate(
            n=Sum(Cast(KeyTextTransform(NEW_ADDRESSES, "detail"), IntegerField()))
        )["n"]
        or 0
    )
    left = max(cap - used, 0)
    if asked > left:
        raise PollError(
            gettext(
                "You can invite at most %(cap)s new addresses in 24 hours "
                "(addresses without an account that you have not invited "
                "before); %(left)s left now, and this poll has %(asked)s."
            )
            % {"cap": cap, "left": left, "asked": asked},
            code="new_address_limit",
        )


def _speaking(poll: Poll) -> translation.override:
    """A poll's emails, and the times they list, are in its organiser's
    language, for every party (most have no account to hold a language)."""
    return translation.override(email.email_language(poll.organiser.language))


def _send_link(poll: Poll, party: Party, *, times: list[PollTime]) -> None:
    link, raw = PartyLink.issue(party=party)
    with _speaking(poll):
        email.send_timepoll_link(
            email=party.email,
            name=party.name,
            poll=poll,
            url=_link_url(raw),
            expires=format_time(link.expires_at, party.timezone),
            times=[format_time(t.start, party.timezone) for t in times],
        )


def poll_notify(
    *, poll: Poll, actor: Actor, party_ids: list[int] | None = None
) -> Notified:
    """Email private links: to the given parties, else to everyone not yet sent one.

    Each party's earlier links are revoked first (a re-issue), so one link per
    party works at a time. Suppressed addresses are skipped: no link, no
    email, and the result says why.
    Side effects: PartyLink rows; one email per party; one `notified` audit
    entry.
    """
    with transaction.atomic():
        poll = _lock(poll, None)
        _require_open(poll)
        wanted = poll.parties.filter(is_organiser=False)
        if party_ids is None:
            wanted = wanted.filter(notified_at__isnull=True)
        else:
            wanted = wanted.filter(pk__in=party_ids)
        result = _mailable(list(wanted))
        targets = result.sent
        if not targets and result.skipped:
            raise PollError(result.note, code="not_emailed")
        if not targets:
            raise PollError(
                gettext("Every party has a link already; resend one instead.")
            )
        _mail_budget(f"pollmail:{poll.organiser_id}")
        revoked = _revoke_links(targets, reason="reissued")
        times = list(poll.times.all())
        now = timezone.now()
        for party in targets:
            _send_link(poll, party, times=times)
        Party.objects.filter(pk__in=[p.pk for p in targets]).update(notified_at=now)
        detail = {
            "kind": "link",
            "to": [p.name for p in targets],
            "links_issued": len(targets),
            "links_revoked": revoked,
        }
        if result.skipped:
            detail["not_emailed"] = [p.name for p, _ in result.skipped]
        record(poll, actor, Action.NOTIFIED, detail=detail)
    return result


def party_link_reissue(*, party: Party, actor: Actor) -> None:
    """Resend one party's link: the old one is revoked, a new one emailed.

    Works on agreed and cancelled polls too (the party can then read the
    outcome and the log, but not answer). A suppressed address is refused.
    Side effects: a PartyLink row; one email; one `link_issued` audit entry.
    """
    if party.is_organiser:
        raise PollError(
            gettext("The organiser opens the poll signed in; no link needed.")
        )
    with transaction.atomic():
        poll = _lock(party.poll, None)
        mailable = _mailable([party])
        if mailable.skipped:
            raise PollError(mailable.note, code="not_emailed")
        _mail_budget(f"pollmail:{poll.organiser_id}")
        revoked = _revoke_links([party], reason="reissued")
        _send_link(poll, party, times=list(poll.times.all()))
        Party.objects.filter(pk=party.pk).update(notified_at=timezone.now())
        record(
            poll,
            actor,
            Action.LINK_ISSUED,
            detail={"party": party.name, "links_revoked": revoked},
        )


def party_link_revoke(*, party: Party, actor: Actor) -> int:
    """Revoke a party's working links. Side effects: one `link_revoked` entry."""
    with transaction.atomic():
        poll = _lock(party.poll, None)
        revoked = _revoke_links([party], reason="revoked by organiser")
        if not revoked:
            raise PollError(
                gettext("%(name)s has no working link.") % {"name": party.name}
            )
        record(
            poll, actor, Action.LINK_REVOKED, detail={"party": party.name, "count": 1}
        )
    return revoked


def link_rejected(*, link: PartyLink, via: str) -> None:
    """Log that an expired or revoked link was used (the page says so).

    Side effects: one `link_rejected` entry, at most one an hour per party.
    """
    actor = Actor(party=link.party, via=via)
    record_at_most_every(
        GET_LOG_WINDOW,
        link.party.poll,
        actor,
        Action.LINK_REJECTED,
        detail={"party": link.party.name, "reason": link.problem},
    )


def party_link_request(*, link: PartyLink, note: str = "") -> None:
    """A party with a dead link asks the organiser for a new one (once an hour).

    Side effects: an email to the organiser; one `link_requested` entry.
    """
    party = link.party
    with transaction.atomic():
        poll = _lock(party.poll, None)
        party = Party.objects.select_for_update().get(pk=party.pk)
        now = timezone.now()
        last = party.link_requested_at
        if last is not None and now - last < timedelta(hours=1):
            raise PollError(
                gettext(
                    "You asked for a new link less than an hour ago; the "
                    "organiser has been told."
                ),
                code="rate_limited",
            )
        party.link_requested_at = now
        party.save(update_fields=["link_requested_at"])
        with _speaking(poll):
            email.send_timepoll_link_request(
                poll=poll,
                party_name=party.name,
                note=note,
                to=To(poll.organiser.email, poll.organiser_id),
            )
        record(
            poll,
            Actor(party=party, via=AuditEntry.Via.LINK),
            Action.LINK_REQUESTED,
            detail={"party": party.name, "note": note},
        )


# --- viewing and answering ------------------------------------------------------------


def poll_view(*, poll: Poll, actor: Actor) -> None:
    """Log a view of a poll (page, private link or API detail).

    Side effects: one `viewed` entry, at most one an hour per viewer.
    """
    record_at_most_every(GET_LOG_WINDOW, poll, actor, Action.VIEWED)


def party_zone_set(*, party: Party, tz: str, actor: Actor) -> None:
    """Remember the zone a party sees times in. Side effects: one entry."""
    if tz == party.timezone:
        return
    with transaction.atomic():
        before = party.timezone
        Party.objects.filter(pk=party.pk).update(timezone=tz)
        party.timezone = tz
        record(
            party.poll,
            actor,
            Action.ZONE_CHANGED,
            detail={"party": party.name, "from": before, "to": tz},
        )


def answers_set(
    *,
    poll: Poll,
    party: Party,
    actor: Actor,
    choices: dict[int, str],
    comment: str | None = None,
    expected_version: int | None = None,
) -> bool:
    """Record a party's answers (time id -> yes/maybe/no) and comment.

    Returns False when nothing changed (no entry is written then).
    Side effects: Answer rows; one `answered` entry with the party's answers
    before and after; then, as actions of their own, the note to the organiser
    when everyone has answered and an automatic agreement when exactly one
    time suits every party.
    """
    if any(c not in Choice.values for c in choices.values()):
        raise PollError(gettext("Answer yes, maybe (if need be) or no."))
    with transaction.atomic():
        poll = _lock(poll, expected_version)
        _require_open(poll)
        if poll.deadline_passed:
            raise PollError(gettext("The deadline has passed."), code="closed")
        party = Party.objects.select_for_update().get(pk=party.pk, poll=poll)
        times = list(poll.times.all())
        known = {t.pk for t in times}
        unknown = set(choices) - known
        if unknown:
            raise PollError(
                gettext("Not a time of this poll: %(times)s.")
                % {"times": ", ".join(map(str, sorted(unknown)))}
            )
        before = tallies.build(poll, times=times).snapshot(party)
        _write_answers(party, choices)
        if comment is not None:
            party.comment = comment
        current = tallies.build(poll, times=times)
        after = current.snapshot(party)
        if after == before:
            return False
        party.answered_at = timezone.now() if current.answered(party) else None
        party.save(update_fields=["comment", "answered_at"])
        record(
            poll,
            actor.for_party(party),
            Action.ANSWERED,
            detail={"party": party.name},
            before=before,
            after=after,
        )
        _follow_up(poll, current)
    return True


def _write_answers(party: Party, choices: dict[int, str]) -> None:
    existing = {a.time_id: a for a in party.answers.all()}
    now = timezone.now()
    for time_id, choice in choices.items():
        row = existing.get(time_id)
        if row is None:
            Answer.objects.create(
                party=party, time_id=time_id, choice=choice, updated_at=now
            )
        elif row.choice != choice:
            row.choice, row.updated_at = choice, now
            row.save(update_fields=["choice", "updated_at"])


def _follow_up(poll: Poll, current: tallies.Tally) -> None:
    """What the system does by itself once answers or times changed."""
    if not current.everyone_answered or poll.status != Poll.Status.OPEN:
        return
    if poll.all_answered_at is None:
        poll.all_answered_at = timezone.now()
        poll.save(update_fields=["all_answered_at"])
        with _speaking(poll):
            email.send_timepoll_all_answered(
                poll=poll,
                to=To(poll.organiser.email, poll.organiser_id),
                best=[format_time(t.start, poll.timezone) for t in current.suitable],
            )
        record(
            poll,
            SYSTEM,
            Action.NOTIFIED,
            detail={"kind": "all_answered", "to": [poll.organiser.name]},
        )
    if len(current.suitable) == 1 and not poll.deadline_passed:
        _agree(poll, current.suitable[0], current, SYSTEM, automatic=True)


# --- changing times -------------------------------------------------------------------


def times_add(
    *,
    poll: Poll,
    actor: Actor,
    times: list[datetime],
    expected_version: int | None = None,
) -> list[PollTime]:
    """Add candidate times (ones already there are skipped).

    Side effects: PollTime rows; the version rises; parties who had answered
    are told; one `time_added` entry.
    """
    with transaction.atomic():
        poll = _lock(poll, expected_version)
        _require_open(poll)
        existing = set(poll.times.values_list("start", flat=True))
        new = [t for t in times if t not in existing]
        if not new:
            raise PollError(gettext("Those times are on the poll already."))
        if len(existing) + len(new) > poll_times.MAX_TIMES:
            raise PollError(
                gettext("A poll can have at most %(limit)s times.")
                % {"limit": poll_times.MAX_TIMES}
            )
        added = PollTime.objects.bulk_create(
            [PollTime(poll=poll, start=start) for start in sorted(new)]
        )
        poll.all_answered_at = None
        _bump(poll, "all_answered_at")
        told = _answered_parties(poll)
        if told:
            with _speaking(poll):
                email.send_timepoll_times_changed(
                    poll=poll,
                    added=[format_time(t.start, poll.timezone) for t in added],
                    removed=[],
                    recipients=[To(p.email) for p in told],
                )
        record(
            poll,
            actor,
            Action.TIME_ADDED,
            detail={"times": [t.key for t in added], "told": [p.name for p in told]},
        )
    return added


def time_remove(
    *, poll: Poll, time: PollTime, actor: Actor, expected_version: int | None = None
) -> None:
    """Remove a candidate time and the answers to it.

    Side effects: the version rises; parties who had answered that time are
    told; one `time_removed` entry with the answers it had; then the system's
    follow-ups (see `answers_set`).
    """
    with transaction.atomic():
        poll = _lock(poll, expected_version)
        _require_open(poll)
        if poll.times.count() <= 1:
            raise PollError(
                gettext("A poll needs at least one time; cancel it instead.")
            )
        time = PollTime.objects.get(pk=time.pk, poll=poll)
        answers = list(time.answers.select_related("party").order_by("party__name"))
        before = {
            "time": time.key,
            "answers": {a.party.name: a.choice for a in answers},
        }
        told = [a.party for a in answers if not a.party.is_organiser]
        time.delete()
        _bump(poll)
        if told:
            with _speaking(poll):
                email.send_timepoll_times_changed(
                    poll=poll,
                    added=[],
                    removed=[format_time(time.start, poll.timezone)],
                    recipients=[To(p.email) for p in told],
                )
        record(
            poll,
            actor,
            Action.TIME_REMOVED,
            detail={"time": time.key, "told": [p.name for p in told]},
            before=before,
            after={"time": time.key, "answers": {}},
        )
        _follow_up(poll, tallies.build(poll))


def _answered_parties(poll: Poll) -> list[Party]:
    return list(
        poll.parties.filter(is_organiser=False)
        .annotate(n=Count("answers"))
        .filter(n__gt=0)
        .order_by("name")
    )


# --- agreeing and cancelling ----------------------------------------------------------


def poll_agree(
    *,
    poll: Poll,
    time: PollTime,
    actor: Actor,
    confirm: bool = False,
    expected_version: int | None = None,
) -> None:
    """Agree a time. A time someone said no to needs `confirm=True`.

    Side effects: every working link is revoked; an invitation (METHOD:REQUEST,
    every party an ATTENDEE) to all parties; one `agreed` entry.
    """
    with transaction.atomic():
        poll = _lock(poll, expected_version)
        _require_open(poll)
        time = PollTime.objects.get(pk=time.pk, poll=poll)
        current = tallies.build(poll)
        row = next(r for r in current.rows if r.time.pk == time.pk)
        if row.no and not confirm:
            names = ", ".join(p.name for p in row.no)
            raise NeedsConfirmationError(
                gettext("%(names)s said no to this time. Confirm to agree it anyway.")
                % {"names": names}
            )
        _agree(poll, time, current, actor, automatic=False)


def _agree(
    poll: Poll,
    time: PollTime,
    current: tallies.Tally,
    actor: Actor,
    *,
    automatic: bool,
) -> None:
    poll.status = Poll.Status.AGREED
    poll.agreed_time = time
    _bump(poll, "status", "agreed_time")
    revoked = _revoke_links(current.parties, reason="agreed")
    with _speaking(poll):
        when = format_time(time.start, poll.timezone)
    for party, shown in _calendar_views(current.parties):
        calendar = invitation_ics(
            poll, parties=shown, answers=current.answers, method="REQUEST"
        )
        with _speaking(poll):
            email.send_timepoll_invitation(
                poll=poll,
                when=when,
                recipients=[To(party.email)],
                invitation=email.Invitation(calendar, "REQUEST"),
            )
    row = next(r for r in current.rows if r.time.pk == time.pk)
    record(
        poll,
        actor,
        Action.AGREED,
        detail={
            "time": time.key,
            "automatic": automatic,
            "said_no": [p.name for p in row.no],
            "links_revoked": revoked,
            "invited": len(current.parties),
        },
    )


def _calendar_views(parties: list[Party]) -> list[tuple[Party, list[Party]]]:
    """(recipient, the ATTENDEEs their calendar lists) for every party.

    The organiser's calendar lists every party; a party's lists only
    themselves, so nobody learns another party's email address.
    """
    return [(p, parties if p.is_organiser else [p]) for p in parties]


def poll_cancel(
    *, poll: Poll, actor: Actor, message: str = "", expected_version: int | None = None
) -> None:
    """Cancel a poll, agreed or not.

    Side effects: every working link is revoked; an agreed poll sends a
    METHOD:CANCEL to all parties, an open one a notice to the parties who got
    a link; one `cancelled` entry.
    """
    with transaction.atomic():
        poll = _lock(poll, expected_version)
        if poll.status == Poll.Status.CANCELLED:
            raise PollError(gettext("This poll is cancelled already."), code="closed")
        was_agreed = poll.status == Poll.Status.AGREED
        poll.status = Poll.Status.CANCELLED
        poll.cancel_message = message
        if was_agreed:
            poll.sequence += 1
        _bump(poll, "status", "cancel_message", "sequence")
        parties = list(poll.parties.all())
        revoked = _revoke_links(parties, reason="cancelled")
        if was_agreed:
            assert poll.agreed_time is not None  # an agreed poll has its time
            recipients = parties
            with _speaking(poll):
                when = format_time(poll.agreed_time.start, poll.timezone)
            for party, shown in _calendar_views(parties):
                with _speaking(poll):
                    email.send_timepoll_cancelled(
                        poll=poll,
                        when=when,
                        recipients=[To(party.email)],
                        invitation=email.Invitation(
                            invitation_ics(
                                poll, parties=shown, answers={}, method="CANCEL"
                            ),
                            "CANCEL",
                        ),
                    )
        else:
            recipients = [p for p in parties if p.notified_at and not p.is_organiser]
            if recipients:
                with _speaking(poll):
                    email.send_timepoll_cancelled(
                        poll=poll, when="", recipients=[To(p.email) for p in recipients]
                    )
        record(
            poll,
            actor,
            Action.CANCELLED,
            detail={
                "message": message,
                "was_agreed": was_agreed,
                "links_revoked": revoked,
                "told": [p.name for p in recipients],
            },
        )


def poll_event_create(*, poll: Poll, group: Group, actor: Actor) -> Event:
    """Turn an agreed poll into an event of a group the actor owns.

    Side effects: an Event (with its announcement to the group's members, see
    `events.services.event_create`); one `event_created` entry.
    """
    from events.services import event_create

    with transaction.atomic():
        poll = _lock(poll, None)
        if poll.status != Poll.Status.AGREED:
            raise PollError(gettext("Only an agreed poll can become an event."))
        if poll.event_id:
            raise PollError(gettext("This poll is an event already."))
        # An agreed poll has its time; only people (not links) reach this.
        assert poll.agreed_time is not None and actor.user is not None
        start = poll.agreed_time.start
        event = event_create(
            group=group, by=actor.user, title=poll.title,
            description=poll.description, start=start, end=start + poll.duration,
            timezone=poll.timezone, venue=poll.location,
            uid=poll.uid, sequence=poll.sequence + 1,
        )  # fmt: skip
        poll.event = event
        poll.save(update_fields=["event"])
        record(
            poll,
            actor,
            Action.EVENT_CREATED,
            detail={"group": group.name, "event_id": event.pk},
        )
    return event


def poll_delete(*, poll: Poll, actor: Actor) -> None:
    """Delete a poll; its audit log stays (entries hold the id and title).

    Side effects: one `deleted` entry; the poll, its times, parties, answers
    and links are gone.
    """
    with transaction.atomic():
        poll = _lock(poll, None)
        record(poll, actor, Action.DELETED)
        poll.delete()


# --- reminders ------------------------------------------------------------------------


def poll_remind(*, poll: Poll) -> list[Party]:
    """Remind parties who have not answered, once per poll, with a new link.

    Returns the parties reminded ([] when the poll was reminded already);
    suppressed addresses are skipped.
    Side effects: `reminded_at` set (the idempotency guard); links re-issued;
    one email per party; one `notified` entry.
    """
    with transaction.atomic():
        if not Poll.objects.filter(pk=poll.pk, reminded_at__isnull=True).update(
            reminded_at=timezone.now()
        ):
            return []
        poll = _lock(poll, None)
        current = tallies.build(poll)
        pending = _mailable([
            p for p in current.parties if not p.is_organiser and not current.answered(p)
        ])  # fmt: skip
        waiting = pending.sent
        if not waiting:
            return []
        _revoke_links(waiting, reason="reissued")
        deadline = poll.deadline
        assert deadline is not None  # only polls with a deadline are reminded
        for party in waiting:
            _, raw = PartyLink.issue(party=party)
            with _speaking(poll):
                email.send_timepoll_reminder(
                    email=party.email,
                    name=party.name,
                    poll=poll,
                    url=_link_url(raw),
                    deadline=format_time(deadline, party.timezone),
                )
        detail = {"kind": "reminder", "to": [p.name for p in waiting]}
        if pending.skipped:
            detail["not_emailed"] = [p.name for p, _ in pending.skipped]
        record(poll, SYSTEM, Action.NOTIFIED, detail=detail)
    return waiting


# --- API tokens -----------------------------------------------------------------------
