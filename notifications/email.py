"""The one place that builds email. Every email type has a public function here.

Each renders `emails/<name>_subject.txt`, `emails/<name>_body.txt` and
`emails/<name>_body.html` (which extends `emails/base.html`) and puts the result
into the outbox (`notifications.outbox.queue`) inside the caller's transaction.
Non-transactional mail carries an unsubscribe link: the bodies contain a
placeholder that the sender replaces with each recipient's signed URL.

Every email is written in its recipient's language (`To.language`, the
account's; LANGUAGE_CODE when it has none): mail to many people is rendered
once per language among them, each rendering its own Message. Two kinds are
written in one person's language for everyone: an owner's mailing in its
author's (the text is theirs), and a poll's emails in its organiser's (most
parties have no account to hold a language).

The objects passed in (events, pairings, polls, mailings) are only read, and
calendar parts arrive ready-made as an `Invitation`, built by the app that owns
the meeting: this module imports no app above notifications.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext

from core.links import absolute_media_url, absolute_url
from core.markdown import markdown_to_text, render_markdown

from .models import Message, Topic
from .outbox import Outgoing, To, queue, queue_each, queue_many
from .sealing import PLACEHOLDER
from .sendgrid_api import UNSUBSCRIBE_TOKEN


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Invitation:
    """An iTIP calendar part: sent as text/calendar and as an invite.ics."""

    ics: bytes
    method: str  # "REQUEST" or "CANCEL"
    # It names the person's reply address (events/replies.py): the outbox
    # keeps it sealed until sent, like a sign-in link (notifications.sealing).
    private: bool = False


def _calendar_at_rest(invitation: Invitation | None) -> tuple[str, str]:
    """(calendar, secret) as the outbox keeps them: a private calendar sealed
    whole, with the placeholder in its place."""
    if invitation is None:
        return "", ""
    ics = invitation.ics.decode()
    return (PLACEHOLDER, ics) if invitation.private else (ics, "")


def email_language(code: str | None) -> str:
    """The language an email to someone who chose `code` is written in:
    theirs when the site speaks it, else LANGUAGE_CODE."""
    return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def by_language(recipients: Iterable[To]) -> dict[str, list[To]]:
    """The recipients grouped by `email_language`, in the order first seen;
    no recipients make one empty group in LANGUAGE_CODE, so a message is
    still queued (and shows in history) as before."""
    groups: dict[str, list[To]] = {}
    for to in recipients:
        groups.setdefault(email_language(to.language), []).append(to)
    return groups or {settings.LANGUAGE_CODE: []}


def render_email(
    name: str, ctx: dict, *, unsubscribe: bool = False, language: str = ""
) -> Rendered:
    """The three parts of an email, in `language` (see `email_language`)."""
    ctx = {
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "unsubscribe_url": UNSUBSCRIBE_TOKEN if unsubscribe else "",
        **ctx,
    }
    with translation.override(email_language(language)):
        subject = render_to_string(f"emails/{name}_subject.txt", ctx)
        text = render_to_string(f"emails/{name}_body.txt", ctx).strip() + "\n"
        if unsubscribe:
            text += "\n-- \n" + gettext("Unsubscribe: %(url)s") % {
                "url": UNSUBSCRIBE_TOKEN
            }
            text += "\n"
        html = render_to_string(f"emails/{name}_body.html", ctx)
    return Rendered(subject=" ".join(subject.split()), text=text, html=html)


def _to_one(
    *,
    kind: str,
    to: str,
    user_id=None,
    rendered: Rendered,
    secret: str = "",
    transactional: bool = True,
) -> Message:
    """Mail to one person; `secret` is a link only they may read.

    Transactional mail (a link the person asked for) is sent at once, even to
    a suppressed address; the rest waits for the sender, honours suppressions
    and carries an unsubscribe link. The stored bodies get a placeholder where
    the secret link was rendered, and the outbox keeps the link sealed
    (notifications.sealing).
    """
    text, html = rendered.text, rendered.html
    if secret:
        if secret not in text or secret not in html:
            raise ValueError(f"{kind}: the secret link is missing from a body")
        text = text.replace(secret, PLACEHOLDER)
        html = html.replace(secret, PLACEHOLDER)
    return queue(
        kind=kind,
        subject=rendered.subject,
        text=text,
        html=html,
        recipients=[To(to, user_id)],
        transactional=transactional,
        secret=secret,
    )


def _outgoing(
    *,
    kind: str,
    name: str,
    ctx: dict,
    recipients: Iterable[To],
    group,
    topic: str,
    invitation: Invitation | None = None,
    language: str,
) -> Outgoing:
    if invitation is not None and invitation.private:
        # queue_many keeps no sealed secret: a calendar naming a reply
        # address goes through _bulk or _personal instead.
        raise ValueError(f"{kind}: a private calendar cannot be queued in bulk")
    rendered = render_email(name, ctx, unsubscribe=True, language=language)
    return Outgoing(
        kind=kind,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        recipients=list(recipients),
        group=group,
        topic=topic,
        calendar=invitation.ics.decode() if invitation else "",
        calendar_method=invitation.method if invitation else "",
    )


def _bulk(
    *,
    kind: str,
    name: str,
    ctx: dict,
    recipients: Iterable[To],
    group,
    topic: str,
    invitation: Invitation | None = None,
    language: str | None = None,
) -> list[Message]:
    """One message per language of the recipients (`by_language`), or one
    in `language` for them all."""
    calendar, secret = _calendar_at_rest(invitation)
    groups: Mapping[str, Iterable[To]] = (
        {language: recipients} if language is not None else by_language(recipients)
    )
    messages = []
    for code, tos in groups.items():
        rendered = render_email(name, ctx, unsubscribe=True, language=code)
        messages.append(
            queue(
                kind=kind,
                subject=rendered.subject,
                text=rendered.text,
                html=rendered.html,
                recipients=tos,
                group=group,
                topic=topic,
                calendar=calendar,
                calendar_method=invitation.method if invitation else "",
                secret=secret,
            )
        )
    return messages


def _personal(
    *,
    kind: str,
    name: str,
    ctx: dict,
    invitations: Sequence[tuple[To, Invitation]],
    group,
    topic: str,
) -> list[Message]:
    """Like `_bulk`, but each recipient gets the calendar that names them.

    Rendered once per language; one message per recipient (outbox.queue_each),
    since a batch shares its calendar part.
    """
    methods = {invitation.method for _, invitation in invitations}
    if len(methods) != 1:
        raise ValueError(f"{kind}: one iTIP method per mailing, got {methods}")
    method = methods.pop()
    calendars: dict[To, Invitation] = {}
    for to, invitation in invitations:
        calendars.setdefault(to, invitation)
    messages = []
    for code, tos in by_language(to for to, _ in invitations).items():
        rendered = render_email(name, ctx, unsubscribe=True, language=code)
        messages += queue_each(
            kind=kind,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            calendars=[(to, *_calendar_at_rest(calendars[to])) for to in tos],
            calendar_method=method,
            group=group,
            topic=topic,
        )
    return messages


# --- accounts (transactional) --------------------------------------------------


def send_signin_link(
    *, email: str, name: str, url: str, minutes: int, language: str = ""
) -> None:
    """A one-time sign-in link to an existing account."""
    ctx = {"name": name, "url": url, "minutes": minutes}
    _to_one(
        kind="signin_link",
        to=email,
        rendered=render_email("signin_link", ctx, language=language),
        secret=url,
    )


def send_verification_link(
    *, email: str, name: str, url: str, minutes: int, language: str = ""
) -> None:
    """The link that confirms a new account's address and signs the person in."""
    ctx = {"name": name, "url": url, "minutes": minutes}
    rendered = render_email("verify", ctx, language=language)
    _to_one(kind="verify", to=email, rendered=rendered, secret=url)


def send_no_account(*, email: str, signup_url: str, language: str = "") -> None:
    """Someone asked to sign in with an address that has no account; in the
    language of the page they asked on."""
    rendered = render_email("no_account", {"signup_url": signup_url}, language=language)
    _to_one(kind="no_account", to=email, rendered=rendered)


def send_email_change_link(
    *, email: str, name: str, url: str, minutes: int, language: str = ""
) -> None:
    """Confirms a new address before an account switches to it."""
    ctx = {"name": name, "url": url, "minutes": minutes, "new_email": email}
    _to_one(
        kind="email_change",
        to=email,
        rendered=render_email("email_change", ctx, language=language),
        secret=url,
    )


# --- groups ---------------------------------------------------------------------


def send_group_invitation(
    *, group, inviter, note: str, recipients: Iterable[To]
) -> Message:
    """An owner's invitation to join, to addresses that are not members.

    Bulk mail, so suppressed addresses are skipped and each copy carries a
    one-click link that stops all email from the site to that address. In the
    inviter's language, as their note is: the addresses have no account.
    """
    ctx = {
        "group": group,
        "inviter": inviter.name,
        "note": note,
        "group_url": absolute_url(group.get_absolute_url()),
    }
    return _bulk(
        kind="group_invitation",
        name="group_invitation",
        ctx=ctx,
        recipients=recipients,
        group=group,
        topic="",
        language=inviter.language,
    )[0]


# --- events ---------------------------------------------------------------------


def _event_ctx(event) -> dict:
    return {
        "event": event,
        "group": event.group,
        "event_url": absolute_url(event.get_absolute_url()),
        "description_text": markdown_to_text(event.description),
        "description_html": render_markdown(event.description),
    }


# Wide enough for a phone and a mail client's reading pane; covers are stored
# twice as wide, for sharp images on high-density screens.
EMAIL_IMAGE_WIDTH = 600


def _cover(event) -> dict | None:
    """The event's cover for an email: an absolute URL, its alt text and a size."""
    if not event.cover:
        return None
    width = min(EMAIL_IMAGE_WIDTH, event.cover_width)
    return {
        "url": absolute_media_url(event.cover.url),
        "alt": event.cover_alt,
        "width": width,
        "height": round(event.cover_height * width / event.cover_width),
    }


def send_event_announcement(
    *, event, recipients: Iterable[To], repeats: str | Promise = ""
) -> list[Message]:
    """A new event, to members who did not opt out of announcements.

    The HTML part shows the cover image, if any, from its public URL.
    `repeats` is a sentence on how a series repeats, shown for its first event
    (a series is announced once, not once per date); a lazy translation, so
    that each language's message shows it in its own words.
    """
    return _bulk(
        kind="event_announcement",
        name="event_announcement",
        ctx={**_event_ctx(event), "cover": _cover(event), "repeats": repeats},
        recipients=recipients,
        group=event.group,
        topic=Topic.ANNOUNCEMENTS,
    )


def _event_calendar_mail(
    *,
    name: str,
    event,
    ctx: dict,
    invitations: Sequence[tuple[To, Invitation]],
    waiting: Iterable[To] = (),
) -> None:
    """An event email: to each person holding it in a calendar their own iTIP
    part naming them (ATTENDEE), and the same news without one to `waiting`.
    """
    common = {"kind": name, "name": name, "group": event.group,
              "topic": Topic.EVENT_UPDATES}  # fmt: skip
    if invitations:
        _personal(ctx={**ctx, "invitation": True}, invitations=invitations, **common)
    waiting = list(waiting)
    if waiting:
        _bulk(ctx={**ctx, "invitation": False}, recipients=waiting, **common)


def send_event_changed(
    *,
    event,
    changes: list[str],
    invitations: Sequence[tuple[To, Invitation]],
    waiting: Iterable[To] = (),
    time_or_place: bool = True,
) -> None:
    """The event changed: an updated invitation (same UID, higher SEQUENCE) to
    each person in `invitations`, one message each.

    People `waiting` (the waiting list, never invited) get the same news
    without a calendar part.
    """
    ctx = {**_event_ctx(event), "changes": changes, "time_or_place": time_or_place}
    _event_calendar_mail(
        name="event_changed", event=event, ctx=ctx, invitations=invitations,
        waiting=waiting,
    )  # fmt: skip


def send_event_cancelled(
    *, event, invitations: Sequence[tuple[To, Invitation]], waiting: Iterable[To] = ()
) -> None:
    """The event is off: a METHOD:CANCEL removes it from each person's calendar.

    People `waiting` get the news without a calendar part.
    """
    _event_calendar_mail(
        name="event_cancelled", event=event, ctx=_event_ctx(event),
        invitations=invitations, waiting=waiting,
    )  # fmt: skip


def send_rsvp_confirmation(*, rsvp, invitation: Invitation | None) -> Message:
    """Attending (or moved up from the waiting list): an invitation for one person.

    Someone on the waiting list gets the note without an invitation (None).
    """
    event = rsvp.event
    waiting = rsvp.status == "waitlisted"
    return _bulk(
        kind="rsvp_confirmation",
        name="rsvp_confirmation",
        ctx={**_event_ctx(event), "rsvp": rsvp, "waiting": waiting},
        recipients=[To(rsvp.user.email, rsvp.user_id, rsvp.user.language)],
        group=event.group,
        topic=Topic.EVENT_UPDATES,
        invitation=invitation,
    )[0]


def send_rsvp_withdrawn(*, event, to: To, invitation: Invitation) -> Message:
    """Someone stopped attending: a METHOD:CANCEL takes it out of their calendar."""
    return _bulk(
        kind="rsvp_withdrawn", name="rsvp_withdrawn", ctx=_event_ctx(event),
        recipients=[to], group=event.group, topic=Topic.EVENT_UPDATES,
        invitation=invitation,
    )[0]  # fmt: skip


def send_reminder(*, event, recipients: Iterable[To]) -> list[Message]:
    """The day before: a reminder to people attending."""
    return _bulk(
        kind="event_reminder",
        name="event_reminder",
        ctx=_event_ctx(event),
        recipients=recipients,
        group=event.group,
        topic=Topic.EVENT_UPDATES,
    )


def send_comment_posted(*, comment, recipients: Iterable[To]) -> list[Message]:
    """A new comment or reply, to the group's owners and the event's followers."""
    event = comment.event
    return _bulk(
        kind="comment_posted",
        name="comment_posted",
        ctx={
            **_event_ctx(event),
            "comment": comment,
            "author": comment.author.name,
            "body_text": markdown_to_text(comment.body),
            "body_html": render_markdown(comment.body),
            "comment_url": absolute_url(comment.get_absolute_url()),
        },
        recipients=recipients,
        group=event.group,
        topic=Topic.COMMENTS,
    )


# --- unconference ---------------------------------------------------------------


def send_unconference_agenda(
    *,
    unconference,
    recipient: To,
    name: str,
    agenda: list,
    coverage: float | None,
    changed: bool,
    feed_url: str = "",
) -> Message:
    """A person's agenda from the published timetable (one message per person,
    since agendas differ); `changed` says the timetable was published before.
    `feed_url` is their private agenda feed for calendar apps."""
    event = unconference.event
    kwargs = {"pk": event.pk}
    return _bulk(
        kind="unconference_agenda",
        name="unconference_agenda",
        ctx={
            **_event_ctx(event),
            "name": name,
            "agenda": agenda,
            "coverage": None if coverage is None else round(100 * coverage),
            "changed": changed,
            "timetable_url": absolute_url(
                reverse("unconference:timetable", kwargs=kwargs)
            ),
            "agenda_url": absolute_url(reverse("unconference:agenda", kwargs=kwargs)),
            "feed_url": feed_url,
        },
        recipients=[recipient],
        group=event.group,
        topic=Topic.EVENT_UPDATES,
    )[0]


# --- owner mailings --------------------------------------------------------------


def render_mailing(mailing, *, example_unsubscribe: bool = False) -> Rendered:
    """The mailing as sent, in its author's language; with
    `example_unsubscribe` (a preview or a test, which go to nobody in
    particular) the per-recipient unsubscribe link is the preferences page
    instead of SendGrid's substitution token."""
    ctx = {
        "mailing": mailing,
        "group": mailing.group,
        "body_text": markdown_to_text(mailing.body),
        "body_html": render_markdown(mailing.body),
        "author": mailing.author.name if mailing.author else "",
    }
    language = mailing.author.language if mailing.author else ""
    rendered = render_email("mailing", ctx, unsubscribe=True, language=language)
    if not example_unsubscribe:
        return rendered
    preferences = absolute_url(reverse("mailings:preferences"))
    return Rendered(
        subject=rendered.subject,
        text=rendered.text.replace(UNSUBSCRIBE_TOKEN, preferences),
        html=rendered.html.replace(UNSUBSCRIBE_TOKEN, preferences),
    )


def send_bulk_message(*, mailing, recipients: Iterable[To]) -> Message:
    """An owner's mailing, frozen to its recipients when queued."""
    rendered = render_mailing(mailing)
    return queue(
        kind="mailing",
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        recipients=recipients,
        group=mailing.group,
        topic=Topic.MAILINGS,
    )


def send_mailing_test(*, mailing, to) -> Message:
    """The same mailing to its author only, marked as a test."""
    # A test goes out at once, like a sign-in link, so it has no per-recipient
    # unsubscribe link: it points at the preferences page instead.
    rendered = render_mailing(mailing, example_unsubscribe=True)
    with translation.override(email_language(to.language)):
        subject = gettext("[Test] %(subject)s") % {"subject": rendered.subject}
    return queue(
        kind="mailing_test",
        subject=subject,
        text=rendered.text,
        html=rendered.html,
        recipients=[To(to.email, to.pk)],
        transactional=True,
    )


# --- find a time -------------------------------------------------------------------


def _timepoll_ctx(poll) -> dict:
    return {"poll": poll, "organiser": poll.organiser.name}


def _poll_language(poll) -> str:
    """A poll's emails are in its organiser's language, for every party."""
    return poll.organiser.language


def send_timepoll_link(
    *, email: str, name: str, poll, url: str, expires: str, times: list[str]
) -> Message:
    """A party's private link to a poll.

    Not transactional: the organiser typed the address in and its owner asked
    for nothing, so a suppressed address gets none and every one carries the
    one-click "stop emails from this site" link.
    """
    ctx = {
        **_timepoll_ctx(poll),
        "name": name,
        "url": url,
        "expires": expires,
        "times": times,
    }
    return _to_one(
        kind="timepoll_link",
        to=email,
        rendered=render_email(
            "timepoll_link", ctx, unsubscribe=True, language=_poll_language(poll)
        ),
        secret=url,
        transactional=False,
    )


def send_timepoll_reminder(
    *, email: str, name: str, poll, url: str, deadline: str
) -> Message:
    """The day before the deadline, to a party who has not answered: a new link.

    Not transactional, like `send_timepoll_link`.
    """
    ctx = {**_timepoll_ctx(poll), "name": name, "url": url, "deadline": deadline}
    return _to_one(
        kind="timepoll_reminder",
        to=email,
        rendered=render_email(
            "timepoll_reminder", ctx, unsubscribe=True, language=_poll_language(poll)
        ),
        secret=url,
        transactional=False,
    )


def send_timepoll_times_changed(
    *, poll, added: list[str], removed: list[str], recipients: Iterable[To]
) -> Message:
    """The organiser added or removed times: to parties who had answered."""
    return _bulk(
        kind="timepoll_times_changed",
        name="timepoll_times_changed",
        ctx={**_timepoll_ctx(poll), "added": added, "removed": removed},
        recipients=recipients,
        group=None,
        topic="",
        language=_poll_language(poll),
    )[0]


def send_timepoll_invitation(
    *, poll, when: str, recipients: Iterable[To], invitation: Invitation
) -> Message:
    """A time is agreed: an invitation (METHOD:REQUEST) listing every party."""
    return _bulk(
        kind="timepoll_invitation",
        name="timepoll_invitation",
        ctx={**_timepoll_ctx(poll), "when": when},
        recipients=recipients,
        group=None,
        topic="",
        language=_poll_language(poll),
        invitation=invitation,
    )[0]


def send_timepoll_cancelled(
    *, poll, when: str, recipients: Iterable[To], invitation: Invitation | None = None
) -> Message:
    """The poll is off; when a time was agreed, a METHOD:CANCEL removes it."""
    return _bulk(
        kind="timepoll_cancelled",
        name="timepoll_cancelled",
        ctx={**_timepoll_ctx(poll), "when": when},
        recipients=recipients,
        group=None,
        topic="",
        language=_poll_language(poll),
        invitation=invitation,
    )[0]


def send_timepoll_all_answered(*, poll, to: To, best: list[str]) -> Message:
    """Every party has answered: a note to the organiser."""
    return _bulk(
        kind="timepoll_all_answered",
        name="timepoll_all_answered",
        ctx={
            **_timepoll_ctx(poll),
            "best": best,
            "poll_url": absolute_url(poll.get_absolute_url()),
        },
        recipients=[to],
        group=None,
        topic="",
        language=_poll_language(poll),
    )[0]


def send_timepoll_link_request(*, poll, party_name: str, note: str, to: To) -> Message:
    """A party whose link expired or was revoked asks the organiser for a new one."""
    return _bulk(
        kind="timepoll_link_request",
        name="timepoll_link_request",
        ctx={
            **_timepoll_ctx(poll),
            "party_name": party_name,
            "note": note,
            "poll_url": absolute_url(poll.get_absolute_url()),
        },
        recipients=[to],
        group=None,
        topic="",
        language=_poll_language(poll),
    )[0]


# --- coffee roulette ---------------------------------------------------------------


def _roulette_ctx(*, pairing, recipient, people, tz: str) -> dict:
    group = pairing.round.group
    kwargs = {"slug": group.slug, "pk": pairing.pk}
    return {
        "group": group,
        "pairing": pairing,
        "recipient": recipient,
        "partners": [p for p in people if p.pk != recipient.pk],
        "tz": tz,
        "pairing_url": absolute_url(pairing.get_absolute_url()),
        "decline_url": absolute_url(reverse("roulette:decline", kwargs=kwargs)),
        "reschedule_url": absolute_url(reverse("roulette:reschedule", kwargs=kwargs)),
        "roulette_url": absolute_url(
            reverse("roulette:home", kwargs={"slug": group.slug})
        ),
    }


def _roulette_mail(
    *, name: str, ctx: dict, recipient, invitation: Invitation
) -> Message:
    return _bulk(
        kind=name,
        name=name,
        ctx=ctx,
        recipients=[To(recipient.email, recipient.pk, recipient.language)],
        group=ctx["group"],
        topic=Topic.ROULETTE,
        invitation=invitation,
    )[0]


@dataclass(frozen=True)
class PairingNote:
    """One person's pairing email: the meeting, who gets it, everyone meeting,
    the recipient's zone and their copy of the invitation."""

    pairing: Any
    recipient: Any
    people: Sequence[Any]
    tz: str
    invitation: Invitation


def send_roulette_pairings(*, notes: Iterable[PairingNote]) -> list[Message]:
    """This week's partner(s), the time in the recipient's zone and the video link.

    One message per person, each carrying an invitation (METHOD:REQUEST) that
    lists everyone meeting as ATTENDEE; all queued together, in a fixed number
    of queries (`outbox.queue_many`).
    """
    return queue_many(
        [
            _outgoing(
                kind="roulette_pairing",
                name="roulette_pairing",
                ctx=_roulette_ctx(
                    pairing=note.pairing,
                    recipient=note.recipient,
                    people=note.people,
                    tz=note.tz,
                ),
                recipients=[To(note.recipient.email, note.recipient.pk)],
                group=note.pairing.round.group,
                topic=Topic.ROULETTE,
                invitation=note.invitation,
                language=note.recipient.language,
            )
            for note in notes
        ]
    )


def send_roulette_sat_outs(
    *,
    group,
    people: Iterable[tuple[Any, str]],
    iso_week: str,
    week_dates: tuple,
    minutes: int,
) -> list[Message]:
    """No partner this week, why, and the promise of priority next week.

    ``people`` are (recipient, reason code) pairs; `week_dates` is the week's
    (Monday, Sunday), shown to the person. Queued together, like
    `send_roulette_pairings`.
    """
    monday, sunday = week_dates
    roulette_url = absolute_url(reverse("roulette:home", kwargs={"slug": group.slug}))
    return queue_many(
        [
            _outgoing(
                kind="roulette_sat_out",
                name="roulette_sat_out",
                ctx={
                    "group": group,
                    "recipient": recipient,
                    "iso_week": iso_week,
                    "monday": monday,
                    "sunday": sunday,
                    "reason": reason,
                    "minutes": minutes,
                    "roulette_url": roulette_url,
                },
                recipients=[To(recipient.email, recipient.pk)],
                group=group,
                topic=Topic.ROULETTE,
                language=recipient.language,
            )
            for recipient, reason in people
        ]
    )


def send_roulette_cancelled(
    *,
    pairing,
    recipient,
    declined_by,
    staying,
    tz: str,
    still_on: bool,
    invitation: Invitation,
) -> Message:
    """Someone cannot make it.

    The person who declined, and a partner whose meeting is off, get a
    METHOD:CANCEL; in a trio the two still meeting (`still_on`) get an updated
    REQUEST.
    """
    ctx = {
        **_roulette_ctx(pairing=pairing, recipient=recipient, people=staying, tz=tz),
        "declined_by": declined_by,
        "you_declined": recipient.pk == declined_by.pk,
        "still_on": still_on,
    }
    return _roulette_mail(
        name="roulette_cancelled", ctx=ctx, recipient=recipient, invitation=invitation
    )


def send_roulette_rescheduled(
    *, pairing, recipient, changed_by, people, tz: str, invitation: Invitation
) -> Message:
    """A new time for the meeting: an update (same UID, SEQUENCE raised)."""
    ctx = {
        **_roulette_ctx(pairing=pairing, recipient=recipient, people=people, tz=tz),
        "changed_by": changed_by,
    }
    return _roulette_mail(
        name="roulette_rescheduled",
        ctx=ctx,
        recipient=recipient,
        invitation=invitation,
    )
