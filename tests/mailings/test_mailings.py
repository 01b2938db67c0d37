from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from events.models import Rsvp
from groups.services import membership_leave
from mailings.models import Mailing
from mailings.services import audience_queryset, mailing_queue
from notifications.models import Delivery
from tests.factories import MembershipFactory, RsvpFactory, UserFactory


def drain():
    call_command("send_mail_queue", "--once", stdout=StringIO())


def recipients():
    return sorted(addr for m in mail.outbox for addr in m.to)


@pytest.fixture
def audience(group, owner, member, event):
    """A group with people in every reply state of `event`."""
    yes = MembershipFactory(group=group, user=UserFactory(email="yes@example.org")).user
    no = MembershipFactory(group=group, user=UserFactory(email="no@example.org")).user
    wait = MembershipFactory(
        group=group, user=UserFactory(email="wait@example.org")
    ).user
    RsvpFactory(event=event, user=yes, status="attending")
    RsvpFactory(event=event, user=no, status="not_attending")
    RsvpFactory(event=event, user=wait, status="waitlisted")
    return event


@pytest.mark.parametrize(
    "which,expected",
    [
        (
            "members",
            [
                "mo@example.org",
                "no@example.org",
                "olga@example.org",
                "wait@example.org",
                "yes@example.org",
            ],
        ),
        ("attending", ["yes@example.org"]),
        ("not_attending", ["no@example.org"]),
        ("waitlisted", ["wait@example.org"]),
        ("not_replied", ["mo@example.org", "olga@example.org"]),
    ],
)
def test_audiences_are_exact(audience, group, which, expected):
    rows = audience_queryset(group=group, audience=which, event=audience)

    assert sorted(email for email, _ in rows) == expected


def test_member_who_left_is_not_mailed(audience, group):
    leaver = UserFactory(email="leaver@example.org")
    MembershipFactory(group=group, user=leaver)
    membership_leave(user=leaver, group=group)

    rows = audience_queryset(group=group, audience="members")

    assert "leaver@example.org" not in [email for email, _ in rows]


def test_owner_composes_previews_and_queues_to_not_replied(client, audience, owner):
    client.force_login(owner)
    response = client.post("/groups/rust-berlin/mailings/new/", {
        "audience": "not_replied", "event": audience.pk, "subject": "Are you coming?",
        "body": "Please **reply** by Friday.",
    })  # fmt: skip
    mailing = Mailing.objects.get()
    assert response.url == f"/groups/rust-berlin/mailings/{mailing.pk}/"

    preview = client.get(response.url).content.decode()
    assert "2 recipients" in preview
    assert "<strong>reply</strong>" in preview
    client.post(f"/groups/rust-berlin/mailings/{mailing.pk}/send/")
    drain()

    assert recipients() == ["mo@example.org", "olga@example.org"]
    assert mail.outbox[0].subject == "Are you coming?"
    assert "Please **reply** by Friday." in mail.outbox[0].body


def test_recipient_list_is_frozen_when_queued(client, audience, owner, group):
    client.force_login(owner)
    client.post(
        "/groups/rust-berlin/mailings/new/",
        {"audience": "members", "subject": "Hi", "body": "Hello"},
    )
    mailing = Mailing.objects.get()
    client.post(f"/groups/rust-berlin/mailings/{mailing.pk}/send/")

    MembershipFactory(group=group, user=UserFactory(email="late@example.org"))
    drain()

    assert "late@example.org" not in recipients()
    assert len(recipients()) == 5


def test_send_a_test_goes_to_the_author_only(client, audience, owner, committing):
    client.force_login(owner)
    client.post(
        "/groups/rust-berlin/mailings/new/",
        {"audience": "members", "subject": "Hi", "body": "Hello"},
    )
    mailing = Mailing.objects.get()

    with committing():
        client.post(f"/groups/rust-berlin/mailings/{mailing.pk}/test/")

    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["olga@example.org"], "[Test] Hi")
    ]
    mailing.refresh_from_db()
    assert mailing.queued_at is None


def test_audience_other_than_members_needs_an_event(client, audience, owner):
    client.force_login(owner)

    response = client.post(
        "/groups/rust-berlin/mailings/new/",
        {"audience": "attending", "subject": "x", "body": "y"},
    )

    assert response.context["form"].errors["event"] == [
        "Choose the event this audience refers to."
    ]
    assert Mailing.objects.count() == 0


def test_a_queued_mailing_cannot_be_sent_twice(client, audience, owner):
    client.force_login(owner)
    client.post(
        "/groups/rust-berlin/mailings/new/",
        {"audience": "members", "subject": "Hi", "body": "Hello"},
    )
    mailing = Mailing.objects.get()
    client.post(f"/groups/rust-berlin/mailings/{mailing.pk}/send/")

    response = client.post(
        f"/groups/rust-berlin/mailings/{mailing.pk}/send/", follow=True
    )

    assert response.redirect_chain == [("/groups/rust-berlin/mailings/", 302)]
    assert "This message was sent already" in response.content.decode()
    assert Delivery.objects.count() == 5


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_simultaneous_sends_queue_a_mailing_once():
    import threading

    from django.db import connection

    from notifications.models import Message
    from tests.factories import GroupFactory

    group = GroupFactory()
    for person in UserFactory.create_batch(19):
        MembershipFactory(group=group, user=person)
    mailing = Mailing.objects.create(
        group=group, audience="members", subject="Hi", body="Hello"
    )
    barrier = threading.Barrier(4)
    errors = []

    def send():
        try:
            barrier.wait()
            mailing_queue(mailing=Mailing.objects.get(pk=mailing.pk))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Message.objects.filter(kind="mailing").count() == 1
    assert Delivery.objects.count() == 19


def test_history_shows_counts(client, audience, owner, group):
    mailing = Mailing.objects.create(
        group=group, audience="members", subject="News", body="b", author=owner
    )
    mailing_queue(mailing=mailing)
    drain()
    client.force_login(owner)

    response = client.get("/groups/rust-berlin/mailings/")

    [row] = response.context["mailings"]
    assert (row.recipient_count, row.n_sent, row.n_pending, row.n_failed) == (
        5,
        5,
        0,
        0,
    )
    assert "News" in response.content.decode()


@pytest.mark.parametrize("count", [1, 3])
def test_history_query_count_is_fixed(
    client, group, owner, django_assert_num_queries, count
):
    for n in range(count):
        mailing_queue(
            mailing=Mailing.objects.create(
                group=group, audience="members", subject=f"S{n}", body="b", author=owner
            )
        )
    client.force_login(owner)

    with django_assert_num_queries(4):
        client.get("/groups/rust-berlin/mailings/")


def test_every_bulk_email_has_unsubscribe_headers_and_link(group, owner, member):
    mailing_queue(
        mailing=Mailing.objects.create(
            group=group, audience="members", subject="S", body="b", author=owner
        )
    )
    drain()

    for message in mail.outbox:
        url = message.extra_headers["List-Unsubscribe"].strip("<>")
        assert url.startswith("https://meetings.test/unsubscribe/")
        assert (
            message.extra_headers["List-Unsubscribe-Post"]
            == "List-Unsubscribe=One-Click"
        )
        assert f"Unsubscribe: {url}" in message.body
        assert f'<a href="{url}">Unsubscribe</a>' in message.alternatives[0][0]


def test_not_replied_means_no_reply_row(group, owner, event):
    person = MembershipFactory(group=group).user
    Rsvp.objects.create(event=event, user=person, status="not_attending")

    rows = audience_queryset(group=group, audience="not_replied", event=event)

    assert [email for email, _ in rows] == ["olga@example.org"]


def test_test_emails_are_rate_limited(client, audience, owner, committing):
    client.force_login(owner)
    client.post(
        "/groups/rust-berlin/mailings/new/",
        {"audience": "members", "subject": "Hi", "body": "Hello"},
    )
    mailing = Mailing.objects.get()

    with committing():
        for _ in range(11):
            response = client.post(
                f"/groups/rust-berlin/mailings/{mailing.pk}/test/", follow=True
            )

    assert len(mail.outbox) == 10
    assert "Too many test emails. Please wait a while." in response.content.decode()


def test_event_choices_carry_their_dates_in_the_event_zone(client, group, owner):
    from datetime import UTC, datetime, timedelta

    from tests.factories import EventFactory

    start = datetime(2030, 3, 12, 18, 0, tzinfo=UTC)
    EventFactory(group=group, title="Async Rust night", start=start,
                 end=start + timedelta(hours=2))  # fmt: skip
    client.force_login(owner)

    html = client.get("/groups/rust-berlin/mailings/new/").content.decode()

    assert ">Async Rust night · Tue 12 Mar 2030, 19:00 (Europe/Berlin)</option>" in html


def test_text_preview_shows_an_example_unsubscribe_link(client, audience, owner):
    client.force_login(owner)
    client.post(
        "/groups/rust-berlin/mailings/new/",
        {"audience": "members", "subject": "Hi", "body": "Hello"},
    )
    mailing = Mailing.objects.get()

    preview = client.get(f"/groups/rust-berlin/mailings/{mailing.pk}/").content.decode()

    assert "-unsubscribe_url-" not in preview
    assert "https://meetings.test/accounts/email-preferences/" in preview
    assert "Each recipient gets their own one-click unsubscribe link" in preview


def test_a_sent_message_has_its_own_page(client, audience, owner, group):
    mailing = Mailing.objects.create(
        group=group, audience="not_replied", event=audience, subject="Coming?",
        body="Please **reply**.", author=owner,
    )  # fmt: skip
    mailing_queue(mailing=mailing)
    drain()
    client.force_login(owner)

    history = client.get("/groups/rust-berlin/mailings/").content.decode()
    page = client.get(f"/groups/rust-berlin/mailings/{mailing.pk}/").content.decode()

    assert (
        f'<a href="/groups/rust-berlin/mailings/{mailing.pk}/">Coming?</a>' in history
    )
    assert "<h1>Coming?</h1>" in page
    assert "<strong>reply</strong>" in page
    assert "Members who have not replied to the event: Async Rust night" in page
    assert "<dt>Sent</dt><dd>2</dd>" in page
    assert "<dt>Failed</dt><dd>0</dd>" in page
    assert "Send to" not in page  # no send button on a sent message
    assert "Edit the message" not in page


def test_a_sent_message_page_is_for_owners_only(client, audience, owner, member, group):
    mailing = Mailing.objects.create(
        group=group, audience="members", subject="News", body="b", author=owner
    )
    mailing_queue(mailing=mailing)
    client.force_login(member)

    response = client.get(f"/groups/rust-berlin/mailings/{mailing.pk}/")

    assert response.status_code == 403
