"""Every email is written in its recipient's language (their account's);
a poll's emails in its organiser's, since most parties have no account."""

from datetime import UTC, datetime, timedelta
from io import StringIO

from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from accounts.services import signin_request
from events.services import event_cancel, event_create, rsvp_set
from notifications.models import Message
from tests.factories import EventFactory, MembershipFactory, UserFactory
from timepolls import services as polls
from timepolls.audit import Actor


def drain():
    call_command("send_mail_queue", "--once", stdout=StringIO())


def _by_address():
    return {m.to[0]: m for m in mail.outbox}


def _html(message) -> str:
    return next(body for body, mime in message.alternatives if mime == "text/html")


def test_an_announcement_goes_out_in_each_members_language(group, owner):
    owner.language = "en"
    owner.save()
    german = MembershipFactory(group=group, user=UserFactory(language="de")).user
    start = datetime(2030, 1, 17, 18, 0, tzinfo=UTC)

    event_create(group=group, by=owner, title="Launch party", start=start,
                 end=start + timedelta(hours=2), timezone="Europe/Berlin",
                 venue="Hall")  # fmt: skip
    drain()

    sent = _by_address()
    assert sorted(sent) == sorted([owner.email, german.email])
    assert sent[owner.email].subject == "New event in Rust Berlin: Launch party"
    assert sent[german.email].subject == (
        "Neue Veranstaltung in Rust Berlin: Launch party"
    )
    assert "Rust Berlin hat eine neue Veranstaltung:" in sent[german.email].body
    assert "Donnerstag, 17. Januar 2030, 19:00 – 21:00" in sent[german.email].body
    assert "Abbestellen: " in sent[german.email].body
    assert '<html lang="de" dir="ltr">' in _html(sent[german.email])
    # One message per language, each with its own deliveries.
    assert Message.objects.filter(kind="event_announcement").count() == 2


def test_a_confirmation_to_a_hebrew_member_is_hebrew_and_right_to_left(group):
    person = MembershipFactory(group=group, user=UserFactory(language="he")).user
    event = EventFactory(group=group, title="Async Rust night")

    rsvp_set(event=event, user=person, choice="attending")
    drain()

    [message] = mail.outbox
    assert message.subject == "אתם מגיעים ל־Async Rust night"
    assert '<html lang="he" dir="rtl">' in _html(message)
    assert message.body.startswith("אתם מגיעים ל־Async Rust night (Rust Berlin).")


def test_a_cancelled_invitation_says_cancelled_in_the_attendees_language(group, owner):
    person = MembershipFactory(group=group, user=UserFactory(language="de")).user
    event = EventFactory(group=group, title="Async Rust night")
    rsvp_set(event=event, user=person, choice="attending")
    drain()
    mail.outbox.clear()

    event_cancel(event=event, by=owner, message="Der Raum ist weg")
    drain()

    [message] = mail.outbox
    assert message.subject == "Abgesagt: Async Rust night"
    calendar = next(c for c, t in message.alternatives if t.startswith("text/calendar"))
    assert "Abgesagt: Der Raum ist weg" in calendar


def test_a_sign_in_link_is_in_the_accounts_language_whatever_the_page(db):
    UserFactory(email="dora@example.org", language="de")

    signin_request(email="dora@example.org", language="en")
    drain()

    [message] = mail.outbox
    assert message.subject == "Dein Anmeldelink für meetings"
    assert message.body.startswith("Hallo ")


def test_an_address_without_an_account_gets_the_pages_language(db):
    signin_request(email="nobody@example.org", language="he")
    drain()

    [message] = mail.outbox
    assert message.subject == "לכתובת הזו אין עדיין חשבון ב־meetings"


def test_poll_guests_get_the_organisers_language(owner):
    owner.language = "de"
    owner.save()
    day = (timezone.now() + timedelta(days=7)).date()
    start = datetime(day.year, day.month, day.day, 8, 0, tzinfo=UTC)

    poll = polls.poll_create(
        organiser=owner, actor=Actor(user=owner), title="Planungsrunde",
        duration_minutes=60, tz="Europe/Berlin", times=[start],
        parties=[polls.PartySpec("gus@example.net", "Gus Guest", "UTC")],
    )  # fmt: skip
    polls.poll_notify(poll=poll, actor=Actor(user=owner))
    drain()

    [message] = mail.outbox
    assert message.to == ["gus@example.net"]
    assert message.subject == "Olga Owner fragt, wann du kannst: Planungsrunde"
    assert "Hallo Gus Guest," in message.body
    weekday = ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"][start.weekday()]
    assert f"- {weekday}, {start.day}. " in message.body
