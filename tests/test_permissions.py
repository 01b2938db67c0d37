"""Who may open what: every URL x every role, in one table.

Later features add their rows here. Roles: visitor (not signed in), outsider
(signed in, not a member), member, owner, staff. Expected values are status
codes; 302 for a visitor means "sent to sign in".
"""

import pytest

from tests.factories import (
    EventFactory,
    MembershipFactory,
    PairingFactory,
    RoundFactory,
    UserFactory,
    series_events,
)
from tests.once import built_once, for_test

ROLES = ["visitor", "outsider", "member", "owner", "staff"]

# (method, url template, {role: status})
MATRIX = [
    ("get", "/", dict(visitor=200, outsider=200, member=200, owner=200, staff=200)),
    (
        "get",
        "/healthz",
        dict(visitor=200, outsider=200, member=200, owner=200, staff=200),
    ),
    # The demo's mailbox exists only with DEBUG on (tests run with it off).
    (
        "get",
        "/dev/mail/",
        dict(visitor=404, outsider=404, member=404, owner=404, staff=404),
    ),
    # The operators' status report: staff only, invisible to everyone else.
    (
        "get",
        "/staff/status/",
        dict(visitor=302, outsider=404, member=404, owner=404, staff=200),
    ),
    (
        "get",
        "/accounts/signin/",
        dict(visitor=200, outsider=302, member=302, owner=302, staff=302),
    ),
    (
        "get",
        "/accounts/signup/",
        dict(visitor=200, outsider=302, member=302, owner=302, staff=302),
    ),
    (
        "get",
        "/accounts/check-inbox/",
        dict(visitor=200, outsider=200, member=200, owner=200, staff=200),
    ),
    # The language switcher: a POST without a language is refused.
    (
        "post",
        "/accounts/language/",
        dict(visitor=400, outsider=400, member=400, owner=400, staff=400),
    ),
    (
        "get",
        "/accounts/profile/",
        dict(visitor=302, outsider=200, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/accounts/profile/delete/",
        dict(visitor=302, outsider=200, member=200, owner=200, staff=200),
    ),
    # Signing out everywhere is a POST only; it ends the person's own sessions.
    (
        "get",
        "/accounts/signout/everywhere/",
        dict(visitor=302, outsider=405, member=405, owner=405, staff=405),
    ),
    (
        "post",
        "/accounts/signout/everywhere/",
        dict(visitor=302, outsider=302, member=302, owner=302, staff=302),
    ),
    (
        "get",
        "/groups/",
        dict(visitor=200, outsider=200, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/groups/{slug}/",
        dict(visitor=200, outsider=200, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/groups/nope/",
        dict(visitor=404, outsider=404, member=404, owner=404, staff=404),
    ),
    (
        "post",
        "/groups/{slug}/join/",
        dict(visitor=302, outsider=302, member=302, owner=302, staff=302),
    ),
    (
        "get",
        "/groups/{slug}/leave/",
        dict(visitor=302, outsider=403, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/groups/{slug}/members/",
        dict(visitor=302, outsider=403, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/groups/{slug}/members.csv",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    (
        "get",
        "/groups/{slug}/settings/",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    # The group's logo: owners upload, replace or remove it on its own page.
    (
        "get",
        "/groups/{slug}/logo/",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    (
        "post",
        "/groups/{slug}/logo/",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    (
        "post",
        "/groups/{slug}/logo/remove/",
        dict(visitor=302, outsider=403, member=403, owner=302, staff=302),
    ),
    (
        "post",
        "/groups/{slug}/owners/add/",
        dict(visitor=302, outsider=403, member=403, owner=400, staff=400),
    ),
    (
        "post",
        "/groups/{slug}/owners/{owner_id}/remove/",
        dict(visitor=302, outsider=403, member=403, owner=302, staff=302),
    ),
    (
        "get",
        "/events/",
        dict(visitor=200, outsider=200, member=200, owner=200, staff=200),
    ),
    # Search and filters (events/views.py: event_list, group_list).
    (
        "get",
        "/events/?q=event&group={slug}&format=in_person",
        dict(visitor=200, outsider=200, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/events/?when=past",
        dict(visitor=200, outsider=200, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/groups/?q=group",
        dict(visitor=200, outsider=200, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/events/{event}/",
        dict(visitor=200, outsider=200, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/events/999999/",
        dict(visitor=404, outsider=404, member=404, owner=404, staff=404),
    ),
    (
        "get",
        "/events/{event}/event.ics",
        dict(visitor=200, outsider=200, member=200, owner=200, staff=200),
    ),
    (
        "post",
        "/events/{event}/rsvp/",
        dict(visitor=302, outsider=302, member=302, owner=302, staff=302),
    ),
    (
        "get",
        "/events/{event}/attendees/",
        dict(visitor=302, outsider=403, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/events/{event}/attendees.csv",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    (
        "get",
        "/events/{event}/edit/",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    (
        "get",
        "/events/{event}/cancel/",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    (
        "get",
        "/events/{event}/duplicate/",
        dict(visitor=302, outsider=403, member=403, owner=302, staff=302),
    ),
    # An event's cover image, on its own page.
    (
        "get",
        "/events/{event}/cover/",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    (
        "post",
        "/events/{event}/cover/",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    (
        "post",
        "/events/{event}/cover/remove/",
        dict(visitor=302, outsider=403, member=403, owner=302, staff=302),
    ),
    # The second event of a weekly series: its page, and the edit page that
    # asks "only this event" or "this and all following".
    (
        "get",
        "/events/{series_event}/",
        dict(visitor=200, outsider=200, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/events/{series_event}/edit/",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    (
        "get",
        "/events/{series_event}/cancel/",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    (
        "get",
        "/groups/{slug}/events/new/",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    (
        "get",
        "/groups/{slug}/calendar.ics",
        dict(visitor=200, outsider=200, member=200, owner=200, staff=200),
    ),
    (
        "post",
        "/calendar/regenerate/",
        dict(visitor=302, outsider=302, member=302, owner=302, staff=302),
    ),
    (
        "get",
        "/webhooks/sendgrid/",
        dict(visitor=405, outsider=405, member=405, owner=405, staff=405),
    ),
    # Calendar replies from SendGrid's Inbound Parse: POST only, and only with
    # INBOUND_PARSE_SECRET set (here it is not) and sent as the basic-auth
    # password (tests/events/test_inbound_replies.py); no session opens it.
    (
        "get",
        "/webhooks/sendgrid/inbound/",
        dict(visitor=405, outsider=405, member=405, owner=405, staff=405),
    ),
    (
        "post",
        "/webhooks/sendgrid/inbound/",
        dict(visitor=404, outsider=404, member=404, owner=404, staff=404),
    ),
    (
        "get",
        "/events/{event}/unconference/",
        dict(visitor=200, outsider=200, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/events/{event}/unconference/sessions/{session}/",
        dict(visitor=200, outsider=200, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/events/{event}/unconference/timetable/",
        dict(visitor=200, outsider=200, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/events/{event}/unconference/agenda/",
        dict(visitor=302, outsider=200, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/events/{event}/unconference/agenda.ics",
        dict(visitor=302, outsider=200, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/events/{event}/unconference/propose/",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=403),
    ),
    (
        "post",
        "/events/{event}/unconference/interest/",
        dict(visitor=302, outsider=403, member=403, owner=302, staff=403),
    ),
    (
        "get",
        "/events/{event}/unconference/sessions/{session}/edit/",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=403),
    ),
    (
        "get",
        "/events/{event}/unconference/sessions/{session}/withdraw/",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=403),
    ),
    (
        "get",
        "/events/{event}/unconference/sessions/{session}/placement/",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    (
        "get",
        "/events/{event}/unconference/setup/",
        dict(visitor=302, outsider=403, member=403, owner=302, staff=302),
    ),
    (
        "get",
        "/events/{event}/unconference/settings/",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    (
        "get",
        "/events/{event}/unconference/rooms/",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    (
        "get",
        "/events/{event}/unconference/rooms/{room}/edit/",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    (
        "post",
        "/events/{event}/unconference/rooms/{room}/delete/",
        dict(visitor=302, outsider=403, member=403, owner=302, staff=302),
    ),
    (
        "get",
        "/events/{event}/unconference/slots/",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    (
        "get",
        "/events/{event}/unconference/slots/{slot}/edit/",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    (
        "post",
        "/events/{event}/unconference/slots/{slot}/delete/",
        dict(visitor=302, outsider=403, member=403, owner=302, staff=302),
    ),
    (
        "get",
        "/events/{event}/unconference/schedule/",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    (
        "post",
        "/events/{event}/unconference/schedule/run/",
        dict(visitor=302, outsider=403, member=403, owner=302, staff=302),
    ),
    (
        "get",
        "/events/{event}/unconference/schedule/runs/{run}/",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    (
        "post",
        "/events/{event}/unconference/schedule/runs/{run}/publish/",
        dict(visitor=302, outsider=403, member=403, owner=302, staff=302),
    ),
    (
        "post",
        "/events/{event}/unconference/schedule/runs/{run}/move/",
        dict(visitor=302, outsider=403, member=403, owner=302, staff=302),
    ),
    (
        "get",
        "/events/{plain_event}/unconference/",
        dict(visitor=404, outsider=404, member=404, owner=404, staff=404),
    ),
    # Comments on an event (comments/): everyone reads, members write, the
    # author (Mo, the member) edits, the author and owners delete, owners hide.
    (
        "get",
        "/events/{event}/comments/",
        dict(visitor=200, outsider=200, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/events/{event}/comments/{comment}/",
        dict(visitor=200, outsider=200, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/events/{event}/comments/999999/",
        dict(visitor=404, outsider=404, member=404, owner=404, staff=404),
    ),
    (
        "get",
        "/events/{plain_event}/comments/{comment}/",
        dict(visitor=404, outsider=404, member=404, owner=404, staff=404),
    ),
    (
        "get",
        "/events/{event}/comments/new/",
        dict(visitor=302, outsider=403, member=200, owner=200, staff=200),
    ),
    (
        "post",
        "/events/{event}/comments/{comment}/reply/",
        dict(visitor=302, outsider=403, member=200, owner=200, staff=200),
    ),
    (
        "post",
        "/events/{event}/comments/{hidden_comment}/reply/",
        dict(visitor=302, outsider=403, member=403, owner=403, staff=403),
    ),
    (
        "get",
        "/events/{event}/comments/{comment}/edit/",
        dict(visitor=302, outsider=403, member=200, owner=403, staff=403),
    ),
    (
        "get",
        "/events/{event}/comments/{comment}/delete/",
        dict(visitor=302, outsider=403, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/events/{event}/comments/{comment}/hide/",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    (
        "get",
        "/events/{event}/comments/{hidden_comment}/unhide/",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    *[
        (
            "post",
            f"/events/{{event}}/comments/{action}/",
            dict(visitor=302, outsider=403, member=302, owner=302, staff=302),
        )
        for action in ["follow", "unfollow"]
    ],
    (
        "get",
        "/polls/",
        dict(visitor=302, outsider=200, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/polls/new/",
        dict(visitor=302, outsider=200, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/polls/{poll}/",
        dict(visitor=302, outsider=404, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/polls/{poll}/log/",
        dict(visitor=302, outsider=404, member=200, owner=200, staff=200),
    ),
    (
        "post",
        "/polls/{poll}/answer/",
        dict(visitor=302, outsider=404, member=302, owner=302, staff=403),
    ),
    (
        "get",
        "/polls/{poll}/cancel/",
        dict(visitor=302, outsider=404, member=403, owner=200, staff=200),
    ),
    (
        "get",
        "/polls/{poll}/delete/",
        dict(visitor=302, outsider=404, member=403, owner=200, staff=200),
    ),
    (
        "post",
        "/polls/{poll}/notify/",
        dict(visitor=302, outsider=404, member=403, owner=302, staff=302),
    ),
    (
        "post",
        "/polls/{poll}/agree/",
        dict(visitor=302, outsider=404, member=403, owner=302, staff=302),
    ),
    (
        "get",
        "/polls/999999/",
        dict(visitor=302, outsider=404, member=404, owner=404, staff=404),
    ),
    (
        "get",
        "/p/not-a-token/",
        dict(visitor=404, outsider=404, member=404, owner=404, staff=404),
    ),
    (
        "get",
        "/accounts/api-tokens/",
        dict(visitor=302, outsider=200, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/api/v1/openapi.json",
        dict(visitor=200, outsider=200, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/api/v1/docs/",
        dict(visitor=200, outsider=200, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/api/v1/polls",
        dict(visitor=401, outsider=401, member=401, owner=401, staff=401),
    ),
    (
        "get",
        "/groups/{slug}/events/import/",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    # Taking the group along (groups/views.py: export, take_along).
    (
        "get",
        "/groups/{slug}/export/",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    (
        "post",
        "/groups/{slug}/export/",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    (
        "post",
        "/groups/{slug}/take-along/",
        dict(visitor=302, outsider=403, member=302, owner=302, staff=403),
    ),
    (
        "get",
        "/groups/{slug}/invite/",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    (
        "get",
        "/groups/{slug}/mailings/",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    (
        "get",
        "/groups/{slug}/mailings/{mailing}/",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    (
        "get",
        "/groups/{slug}/mailings/new/",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    (
        "get",
        "/accounts/email-preferences/",
        dict(visitor=302, outsider=200, member=200, owner=200, staff=200),
    ),
    # The admin sends everyone it refuses to its login, which sends visitors
    # on to sign in and tells signed-in people without staff rights "no".
    (
        "get",
        "/admin/",
        dict(visitor=302, outsider=302, member=302, owner=302, staff=200),
    ),
    (
        "get",
        "/admin/login/",
        dict(visitor=302, outsider=403, member=403, owner=403, staff=302),
    ),
    # Coffee roulette (roulette/): member pages, owner settings, one meeting.
    (
        "get",
        "/groups/{slug}/roulette/",
        dict(visitor=302, outsider=403, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/groups/{slug}/roulette/settings/",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    (
        "post",
        "/groups/{slug}/roulette/settings/",
        dict(visitor=302, outsider=403, member=403, owner=200, staff=200),
    ),
    *[
        (
            "post",
            f"/groups/{{slug}}/roulette/{action}/",
            dict(visitor=302, outsider=403, member=302, owner=302, staff=403),
        )
        for action in ["join", "leave", "skip", "unskip", "blocks"]
    ],
    (
        "post",
        "/groups/{slug}/roulette/availability/",
        dict(visitor=302, outsider=403, member=400, owner=400, staff=403),
    ),
    (
        "post",
        "/groups/{slug}/roulette/blocks/{owner_id}/remove/",
        dict(visitor=302, outsider=403, member=302, owner=302, staff=403),
    ),
    (
        "get",
        "/groups/{slug}/roulette/pairings/{pairing}/",
        dict(visitor=302, outsider=404, member=200, owner=200, staff=200),
    ),
    (
        "get",
        "/groups/{slug}/roulette/pairings/999999/",
        dict(visitor=302, outsider=404, member=404, owner=404, staff=404),
    ),
    (
        "get",
        "/groups/{slug}/roulette/pairings/{pairing}/decline/",
        dict(visitor=302, outsider=404, member=200, owner=200, staff=403),
    ),
    (
        "post",
        "/groups/{slug}/roulette/pairings/{pairing}/decline/",
        dict(visitor=302, outsider=404, member=302, owner=302, staff=403),
    ),
    (
        "get",
        "/groups/{slug}/roulette/pairings/{pairing}/reschedule/",
        dict(visitor=302, outsider=404, member=200, owner=200, staff=403),
    ),
    (
        "post",
        "/groups/{slug}/roulette/pairings/{pairing}/reschedule/",
        dict(visitor=302, outsider=404, member=400, owner=400, staff=403),
    ),
]


def _sent_mailing(group, owner):
    from mailings.models import Mailing
    from mailings.services import mailing_queue

    mailing = Mailing.objects.create(
        group=group, audience="members", subject="News", body="Hello", author=owner
    )
    mailing_queue(mailing=mailing)
    return mailing


@pytest.fixture
def world(db):
    """Every role and a thing of each kind the URLs name, built for this test."""
    return build_world()


@pytest.fixture(scope="module")
def _world_once(request, django_db_setup, django_db_blocker, tmp_path_factory):
    folder = tmp_path_factory.mktemp("world")
    with built_once(request, django_db_blocker, folder, build_world) as built:
        yield built, folder


@pytest.fixture
def shared_world(_world_once, db, settings):
    """The world, built once for this module's tests; each test's own writes
    are rolled back after it (tests/once.py), and it gets its own copies of
    the world's objects and uploaded files, so it can change those too."""
    return for_test(*_world_once, settings)


def build_world() -> dict:
    from groups.models import Group

    group = Group.objects.create(name="Rust Berlin", slug="rust-berlin")
    owner = UserFactory(name="Olga")
    MembershipFactory(user=owner, group=group, role="owner")
    member = UserFactory(name="Mo")
    MembershipFactory(user=member, group=group)
    MembershipFactory(user=UserFactory(name="Co"), group=group, role="owner")
    people = {
        "visitor": None,
        "outsider": UserFactory(name="Otto"),
        "member": member,
        "owner": owner,
        "staff": UserFactory(name="Stef", is_staff=True, is_superuser=True),
    }
    event = EventFactory(group=group)
    _images(group, event)
    unconference = _unconference(event, proposer=owner)
    pairing = PairingFactory(round=RoundFactory(group=group), people=[member, owner])
    return {
        "people": people,
        "slug": group.slug,
        "event": event.pk,
        "owner_id": owner.pk,
        "plain_event": EventFactory(group=group).pk,
        "poll": _poll(owner, member).pk,
        **unconference,
        "pairing": pairing.pk,
        "mailing": _sent_mailing(group, owner).pk,
        **_comments(event, author=member, owner=owner),
        "series_event": series_events(group=group)[1].pk,
    }


def _images(group, event) -> None:
    """A logo for the group and a cover for the event, so pages show both."""
    from core.images import process
    from events.forms import CoverForm
    from events.services import event_cover_set
    from groups.forms import LogoForm
    from groups.services import group_logo_set
    from tests.images import image_bytes, upload

    logo = process(upload(image_bytes((64, 64))), LogoForm.shape)
    group_logo_set(group=group, image=logo, alt="The Rust Berlin crab")
    cover = process(upload(image_bytes((160, 90))), CoverForm.shape)
    event_cover_set(event=event, by=None, image=cover, alt="A full room at c-base")


def _unconference(event, *, proposer) -> dict:
    """The event as an unconference, with a session the owner proposed (and
    attends) and a finished run; pks for the URL templates."""
    from tests.factories import (
        RoomFactory,
        RsvpFactory,
        ScheduleRunFactory,
        SessionFactory,
        SlotFactory,
        UnconferenceFactory,
    )

    unconference = UnconferenceFactory(event=event)
    RsvpFactory(event=event, user=proposer)
    room = RoomFactory(unconference=unconference)
    slot = SlotFactory(unconference=unconference)
    session = SessionFactory(unconference=unconference, proposer=proposer)
    run = ScheduleRunFactory(
        unconference=unconference, assignment={str(session.pk): [slot.pk, room.pk]}
    )
    return {"room": room.pk, "slot": slot.pk, "session": session.pk, "run": run.pk}


def _comments(event, *, author, owner) -> dict:
    """The member's comment with the owner's reply, and a reply the owner hid."""
    from django.utils import timezone

    from tests.factories import CommentFactory

    comment = CommentFactory(event=event, author=author, body="Is there *pizza*?")
    CommentFactory(event=event, author=owner, parent=comment, body="Yes.")
    hidden = CommentFactory(
        event=event,
        author=author,
        parent=comment,
        body="Buy my **keyboard**",
        hidden_at=timezone.now(),
        hidden_by=owner,
    )
    return {"comment": comment.pk, "hidden_comment": hidden.pk}


def _poll(organiser, party):
    """A find-a-time poll by the owner with the member as a party."""
    from datetime import timedelta

    from django.utils import timezone

    from timepolls.audit import Actor
    from timepolls.services import PartySpec, poll_create

    return poll_create(
        organiser=organiser,
        actor=Actor(user=organiser),
        title="When?",
        duration_minutes=30,
        times=[timezone.now().replace(microsecond=0) + timedelta(days=5)],
        parties=[PartySpec(party.email, party.name, "UTC")],
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "method,url,expected", MATRIX, ids=[f"{m} {u}" for m, u, _ in MATRIX]
)
def test_permission_matrix(client, shared_world, role, method, url, expected):
    person = shared_world["people"][role]
    if person is not None:
        client.force_login(person)
    target = url.format(**{k: v for k, v in shared_world.items() if k != "people"})

    response = getattr(client, method)(target)

    assert response.status_code == expected[role], (role, target)
    if (
        expected[role] == 302
        and person is None
        and method == "get"
        and "/admin/" not in target
    ):
        assert response.url.startswith("/accounts/signin/"), response.url
