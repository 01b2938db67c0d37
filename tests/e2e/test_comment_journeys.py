"""Comments in a real browser, with and without JavaScript."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import expect

from comments.models import Comment
from tests.e2e.steps import last_link_to, message, sign_in
from tests.factories import CommentFactory, MembershipFactory, UserFactory

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"]),
]


def test_newcomer_joins_to_comment_then_edits_the_comment(page, event, owner):
    UserFactory(email="vera@example.org", name="Vera Visitor")
    page.goto(event.get_absolute_url())
    expect(page.get_by_role("link", name="Sign in to comment")).to_be_visible()
    sign_in(page, "vera@example.org")

    page.goto(event.get_absolute_url())
    page.get_by_role("button", name="Join to comment").click()
    message(page, "Welcome to Rust Berlin!")
    page.get_by_label("Your comment").fill("Is there **pizza**?")
    page.get_by_role("button", name="Post comment").click()
    message(page, "Your comment is posted.")
    comments = page.get_by_role("region", name="Comments (1)")
    mine = comments.get_by_role("article", name="Comment by Vera Visitor")
    expect(mine).to_contain_text("Is there pizza?")

    mine.get_by_role("link", name="Edit your comment").click()
    page.get_by_label("Your comment").fill("Is there pizza, and is it vegan?")
    page.get_by_role("button", name="Save changes").click()
    message(page, "Your comment is saved.")
    expect(page.get_by_role("article", name="Comment by Vera Visitor")).to_contain_text(
        "edited"
    )
    assert Comment.objects.get().body == "Is there pizza, and is it vegan?"


def test_owner_replies_from_the_email_and_hides_spam(
    page, new_page, live_server, event, owner, member
):
    spammer = UserFactory(name="Sam Spam")
    MembershipFactory(user=spammer, group=event.group)
    CommentFactory(event=event, author=spammer, body="Cheap watches!")
    member_page = new_page(base_url=live_server.url)
    sign_in(member_page, member.email)
    member_page.goto(event.get_absolute_url())
    member_page.get_by_label("Your comment").fill("Can I bring a friend?")
    member_page.get_by_role("button", name="Post comment").click()
    sign_in(page, owner.email)
    call_command("send_mail_queue", "--once", stdout=StringIO())

    page.goto(last_link_to(owner.email))
    page.get_by_label("Your reply").fill("Of course, the more the merrier.")
    page.get_by_role("button", name="Post reply").click()
    message(page, "Your reply is posted.")
    page.get_by_role("link", name="Async Rust night").first.click()
    page.get_by_role("link", name="Hide the comment by Sam Spam").click()
    page.get_by_role("button", name="Hide the comment").click()
    message(page, "The comment is hidden.")

    member_page.reload()
    comments = member_page.get_by_role("region", name="Comments (3)")
    expect(comments).to_contain_text("Hidden by an organiser.")
    expect(comments).not_to_contain_text("Cheap watches")
    expect(comments.locator(".comment-replies")).to_contain_text("the more the merrier")
    assert [m.subject for m in mail.outbox if m.to == [owner.email]][-1] == (
        "New comment on Async Rust night from Mo Member"
    )
