"""Who is emailed about a new comment: the group's owners, and followers."""

from io import StringIO

from django.core import mail
from django.core.management import call_command

from comments.models import Follow
from comments.services import comment_create
from groups.services import membership_leave
from notifications.models import OptOut
from tests.factories import CommentFactory, MembershipFactory, RsvpFactory, UserFactory


def drain():
    call_command("send_mail_queue", "--once", stdout=StringIO())


def _follower(event, email):
    person = UserFactory(email=email)
    MembershipFactory(user=person, group=event.group)
    Follow.objects.create(event=event, user=person)
    return person


def test_owners_and_followers_are_emailed_but_not_the_author(
    event, owner, co_owner, member
):
    _follower(event, "fay@example.org")
    RsvpFactory(event=event, user=UserFactory(email="quiet@example.org"))
    Follow.objects.create(event=event, user=member)

    comment_create(event=event, author=member, body="Hello")
    drain()

    assert sorted(m.to[0] for m in mail.outbox) == [
        "cora@example.org",
        "fay@example.org",
        "olga@example.org",
    ]


def test_an_owner_who_follows_gets_one_email(event, owner, member):
    Follow.objects.create(event=event, user=owner)

    comment_create(event=event, author=member, body="Hello")
    drain()

    assert [m.to for m in mail.outbox] == [["olga@example.org"]]


def test_reply_by_an_owner_emails_the_other_owners_and_followers(
    event, owner, co_owner, comment, member
):
    Follow.objects.create(event=event, user=member)

    comment_create(event=event, author=owner, body="Yes", parent=comment)
    drain()

    assert sorted(m.to[0] for m in mail.outbox) == [
        "cora@example.org",
        "mo@example.org",
    ]
    assert mail.outbox[0].subject == "New reply on Async Rust night from Olga Owner"


def test_people_who_turned_comment_emails_off_get_none(event, owner, co_owner, member):
    OptOut.objects.create(user=co_owner, group=event.group, topic="comments")

    comment_create(event=event, author=member, body="Hello")
    drain()

    assert [m.to for m in mail.outbox] == [["olga@example.org"]]


def test_email_shows_the_sanitised_comment_and_links_to_it(event, owner, member):
    comment = comment_create(
        event=event, author=member, body="**Pizza?** <script>alert(1)</script>"
    )
    drain()

    [message] = mail.outbox
    html = message.alternatives[0][0]
    assert message.subject == "New comment on Async Rust night from Mo Member"
    assert "Mo Member commented on Async Rust night (Rust Berlin):" in message.body
    url = f"https://meetings.test/events/{event.pk}/comments/{comment.pk}/#comment-{comment.pk}"
    assert f"Read and reply: {url}" in message.body
    assert "<strong>Pizza?</strong>" in html and "<script>" not in html
    assert (
        message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    )


def test_preferences_page_has_a_comments_box(client, group, member):
    client.force_login(member)

    html = client.get("/accounts/email-preferences/").content.decode()
    client.post(
        "/accounts/email-preferences/",
        {
            f"g{group.pk}_{t}": "on"
            for t in ["announcements", "mailings", "event_updates", "roulette"]
        },
    )

    assert "Rust Berlin: comments on events I run or follow</label>" in html
    assert list(OptOut.objects.values_list("topic", flat=True)) == ["comments"]


def test_leaving_the_group_stops_following_its_events(event, owner, member):
    Follow.objects.create(event=event, user=member)
    CommentFactory(event=event, author=member)

    membership_leave(user=member, group=event.group)

    assert Follow.objects.filter(user=member).exists() is False
    assert member.comments.count() == 1
