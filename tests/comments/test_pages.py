"""Comments through the pages: what each person sees, and what each button does."""

from comments.models import Comment
from groups.models import Membership
from notifications.models import OptOut
from tests.factories import CommentFactory, UserFactory


def _page(client, url: str) -> str:
    return client.get(url).content.decode()


def test_member_sees_the_comment_form_on_the_event_page(client, event, member):
    client.force_login(member)

    html = _page(client, f"/events/{event.pk}/")

    assert '<h2 id="comments-heading">Comments</h2>' in html
    assert '<label for="id_body">Your comment:</label>' in html
    assert f'action="/events/{event.pk}/comments/new/"' in html
    assert '<button type="submit">Post comment</button>' in html
    assert "No comments yet." in html


def test_member_posts_a_comment_and_sees_it_on_the_event_page(client, event, member):
    client.force_login(member)

    response = client.post(
        f"/events/{event.pk}/comments/new/", {"body": "Is there *pizza*?"}
    )

    comment = Comment.objects.get()
    assert (comment.author, comment.event, comment.parent) == (member, event, None)
    assert response.url == f"/events/{event.pk}/#comment-{comment.pk}"
    html = _page(client, response.url)
    assert "Your comment is posted." in html
    assert "<p>Is there <em>pizza</em>?</p>" in html
    assert '<h2 id="comments-heading">Comments (1)</h2>' in html


def test_visitor_reads_comments_and_is_asked_to_sign_in(client, event, comment):
    html = _page(client, f"/events/{event.pk}/")

    assert "Is there <em>pizza</em>?" in html
    assert (
        f'<a href="/accounts/signin/?next=%2Fevents%2F{event.pk}%2F">Sign in to comment</a>'
        in html
    )
    assert "Post comment" not in html


def test_outsider_reads_comments_and_joins_to_comment(client, event, comment, charlie):
    client.force_login(charlie)
    html = _page(client, f"/events/{event.pk}/")
    assert "Is there <em>pizza</em>?" in html
    assert "Members of Rust Berlin can comment." in html
    assert '<button type="submit">Join to comment</button>' in html
    assert "Post comment" not in html

    response = client.post(
        "/groups/rust-berlin/join/", {"next": f"/events/{event.pk}/#comments"}
    )

    assert response.url == f"/events/{event.pk}/#comments"
    assert Membership.objects.filter(user=charlie, group=event.group).exists()
    assert "Post comment" in _page(client, f"/events/{event.pk}/")


def test_outsider_cannot_post_a_comment(client, event, charlie):
    client.force_login(charlie)

    response = client.post(f"/events/{event.pk}/comments/new/", {"body": "Hi"})

    assert response.status_code == 403
    assert "Only members of this group can comment." in response.content.decode()
    assert Comment.objects.exists() is False


def test_empty_comment_gets_a_message_and_writes_nothing(client, event, member):
    client.force_login(member)

    response = client.post(f"/events/{event.pk}/comments/new/", {"body": "  "})

    assert response.status_code == 200
    assert "Write your comment before posting it." in response.content.decode()
    assert Comment.objects.exists() is False


def test_too_long_comment_gets_a_message_and_writes_nothing(client, event, member):
    client.force_login(member)

    response = client.post(f"/events/{event.pk}/comments/new/", {"body": "x" * 5001})

    assert "at most 5000 characters" in response.content.decode()
    assert Comment.objects.exists() is False


def test_markdown_is_sanitised(client, event, member):
    client.force_login(member)
    body = (
        "<script>alert('x')</script> **bold** [click](javascript:alert(1)) "
        '<img src=x onerror="alert(2)">'
    )
    client.post(f"/events/{event.pk}/comments/new/", {"body": body})

    html = _page(client, f"/events/{event.pk}/")

    assert "<strong>bold</strong>" in html
    assert "<script>alert" not in html
    assert 'href="javascript:' not in html
    assert "<img" not in html


def test_thread_page_offers_a_reply_form(client, event, comment, owner):
    client.force_login(owner)

    html = _page(client, f"/events/{event.pk}/comments/{comment.pk}/")

    assert "<h1>A comment on Async Rust night</h1>" in html
    assert '<label for="id_body">Your reply:</label>' in html
    assert f'action="/events/{event.pk}/comments/{comment.pk}/reply/"' in html
    assert '<button type="submit">Post reply</button>' in html


def test_reply_appears_under_its_comment(client, event, comment, owner):
    client.force_login(owner)

    response = client.post(
        f"/events/{event.pk}/comments/{comment.pk}/reply/", {"body": "Yes, lots."}
    )

    reply = Comment.objects.get(parent=comment)
    assert (
        response.url == f"/events/{event.pk}/comments/{comment.pk}/#comment-{reply.pk}"
    )
    html = _page(client, f"/events/{event.pk}/")
    assert "Your reply is posted." in html
    replies = html.split('<ol class="comment-replies">')[1].split("</ol>")[0]
    assert "Olga Owner" in replies and "Yes, lots." in replies


def test_reply_to_a_reply_joins_the_top_level_thread(client, event, comment, owner):
    first = CommentFactory(event=event, parent=comment, author=owner)
    client.force_login(owner)

    client.post(f"/events/{event.pk}/comments/{first.pk}/reply/", {"body": "And more"})

    second = Comment.objects.get(body="And more")
    assert second.parent == comment
    assert list(comment.replies.order_by("pk")) == [first, second]


def test_thread_address_of_a_reply_leads_to_its_thread(client, event, comment):
    reply = CommentFactory(event=event, parent=comment)

    response = client.get(f"/events/{event.pk}/comments/{reply.pk}/")

    assert (
        response.url == f"/events/{event.pk}/comments/{comment.pk}/#comment-{reply.pk}"
    )


def test_comment_of_another_event_is_not_found(client, comment, member):
    other = CommentFactory()
    client.force_login(member)

    response = client.get(f"/events/{comment.event_id}/comments/{other.pk}/edit/")

    assert response.status_code == 404


def test_author_edits_and_the_comment_says_edited(client, event, comment, member):
    client.force_login(member)
    form = _page(client, f"/events/{event.pk}/comments/{comment.pk}/edit/")
    assert '<textarea name="body"' in form and "Is there *pizza*?</textarea>" in form
    assert '<button type="submit">Save changes</button>' in form

    response = client.post(
        f"/events/{event.pk}/comments/{comment.pk}/edit/", {"body": "Is there pasta?"}
    )

    comment.refresh_from_db()
    assert (comment.body, comment.is_edited) == ("Is there pasta?", True)
    html = _page(client, response.url)
    assert "Your comment is saved." in html
    assert "· edited" in html


def test_owner_may_not_edit_a_members_comment(client, event, comment, owner):
    client.force_login(owner)

    response = client.post(
        f"/events/{event.pk}/comments/{comment.pk}/edit/", {"body": "Changed"}
    )

    assert response.status_code == 403
    comment.refresh_from_db()
    assert comment.body == "Is there *pizza*?"


def test_author_deletes_after_confirming_and_replies_go_too(
    client, event, comment, member, owner
):
    CommentFactory.create_batch(2, event=event, parent=comment, author=owner)
    client.force_login(member)
    page = _page(client, f"/events/{event.pk}/comments/{comment.pk}/delete/")
    assert "Its 2 replies are deleted with it." in page
    assert '<button type="submit" class="danger">Delete the comment</button>' in page

    response = client.post(f"/events/{event.pk}/comments/{comment.pk}/delete/")

    assert response.url == f"/events/{event.pk}/#comments"
    assert Comment.objects.exists() is False
    assert "The comment is deleted, with its 2 replies." in _page(client, response.url)


def test_owner_deletes_a_members_reply(client, event, comment, owner):
    reply = CommentFactory(event=event, parent=comment)
    client.force_login(owner)

    client.post(f"/events/{event.pk}/comments/{reply.pk}/delete/")

    assert list(Comment.objects.all()) == [comment]


def test_member_may_not_delete_someone_elses_comment(client, event, comment):
    other = UserFactory()
    Membership.objects.create(user=other, group=event.group)
    client.force_login(other)

    response = client.post(f"/events/{event.pk}/comments/{comment.pk}/delete/")

    assert response.status_code == 403
    assert Comment.objects.count() == 1


def test_hidden_comment_shows_a_placeholder_to_others_only(
    client, event, comment, member, owner, charlie
):
    client.force_login(owner)
    page = _page(client, f"/events/{event.pk}/comments/{comment.pk}/hide/")
    assert '<button type="submit" class="danger">Hide the comment</button>' in page
    client.post(f"/events/{event.pk}/comments/{comment.pk}/hide/")

    seen = {}
    for who in [None, charlie, member, owner]:
        client.logout()
        if who:
            client.force_login(who)
        seen[who.name if who else "visitor"] = _page(client, f"/events/{event.pk}/")

    for name in ["visitor", "Charlie"]:
        assert "Hidden by an organiser." in seen[name]
        assert "pizza" not in seen[name]
    for name in ["Mo Member", "Olga Owner"]:
        assert "Is there <em>pizza</em>?" in seen[name]
        assert (
            '<span class="badge badge-danger">Hidden by an organiser</span>'
            in seen[name]
        )


def test_owner_shows_a_hidden_comment_again(client, event, comment, owner):
    comment.hidden_at, comment.hidden_by = comment.created_at, owner
    comment.save()
    client.force_login(owner)
    page = _page(client, f"/events/{event.pk}/comments/{comment.pk}/unhide/")
    assert '<button type="submit">Show it to everyone</button>' in page

    response = client.post(f"/events/{event.pk}/comments/{comment.pk}/unhide/")

    comment.refresh_from_db()
    assert (comment.hidden_at, comment.hidden_by) == (None, None)
    assert "The comment is shown to everyone again." in _page(client, response.url)


def test_member_may_not_hide(client, event, comment, member):
    client.force_login(member)

    response = client.post(f"/events/{event.pk}/comments/{comment.pk}/hide/")

    assert response.status_code == 403
    comment.refresh_from_db()
    assert comment.is_hidden is False


def test_hidden_comment_takes_no_replies(client, event, comment, owner):
    comment.hidden_at = comment.created_at
    comment.save()
    client.force_login(owner)

    response = client.post(
        f"/events/{event.pk}/comments/{comment.pk}/reply/", {"body": "Hm"}
    )

    assert response.status_code == 403
    assert (
        "This comment is hidden, so it takes no replies." in response.content.decode()
    )
    assert comment.replies.exists() is False


def test_get_never_changes_anything(client, event, comment, owner):
    client.force_login(owner)

    for action in ["hide", "delete"]:
        client.get(f"/events/{event.pk}/comments/{comment.pk}/{action}/")
    response = client.get(f"/events/{event.pk}/comments/follow/")

    assert response.status_code == 405
    comment.refresh_from_db()
    assert comment.is_hidden is False


def test_posting_is_rate_limited_with_a_clear_message(client, event, member):
    client.force_login(member)
    url = f"/events/{event.pk}/comments/new/"
    for n in range(5):
        client.post(url, {"body": f"Comment {n}"})

    response = client.post(url, {"body": "One too many"})

    html = response.content.decode()
    assert "You are commenting too fast" in html
    assert "One too many</textarea>" in html
    assert Comment.objects.count() == 5


def test_replies_count_against_the_same_limit(client, event, comment, member):
    client.force_login(member)
    for n in range(5):
        client.post(
            f"/events/{event.pk}/comments/{comment.pk}/reply/", {"body": f"R{n}"}
        )

    response = client.post(f"/events/{event.pk}/comments/new/", {"body": "More"})

    assert "You are commenting too fast" in response.content.decode()
    assert Comment.objects.count() == 6


def test_event_page_shows_the_newest_ten_threads_and_links_to_all(
    client, event, member
):
    for n in range(11):
        CommentFactory(event=event, body=f"Thread {n:02}")

    html = _page(client, f"/events/{event.pk}/")
    listing = _page(client, f"/events/{event.pk}/comments/")

    assert "Thread 10" in html and "Thread 01" in html and "Thread 00" not in html
    assert f'<a href="/events/{event.pk}/comments/">Show all 11 comments</a>' in html
    assert "Thread 00" in listing and "11 comments, newest threads first." in listing


def test_member_follows_and_unfollows_from_the_event_page(client, event, member):
    client.force_login(member)
    assert "Email me about new comments</button>" in _page(
        client, f"/events/{event.pk}/"
    )

    response = client.post(f"/events/{event.pk}/comments/follow/")
    html = _page(client, response.url)
    assert "You will get an email about each new comment here." in html
    assert "Stop emailing me about new comments</button>" in html
    assert member.comment_follows.count() == 1

    client.post(f"/events/{event.pk}/comments/unfollow/")
    assert member.comment_follows.count() == 0


def test_owner_is_told_they_get_every_comment_instead_of_a_follow_button(
    client, event, owner
):
    client.force_login(owner)

    html = _page(client, f"/events/{event.pk}/")

    assert "As an owner of Rust Berlin you get an email about each new comment." in html
    assert "Email me about new comments" not in html


def test_following_with_comment_emails_off_says_so(client, event, member):
    OptOut.objects.create(user=member, group=event.group, topic="comments")
    client.force_login(member)

    response = client.post(f"/events/{event.pk}/comments/follow/", follow=True)

    assert (
        "Your email preferences turn off comment emails from Rust Berlin; turn them "
        "on to receive these." in response.content.decode()
    )
