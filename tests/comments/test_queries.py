"""The comment pages cost the same queries with 1 and 3 threads of replies."""

import pytest

from tests.factories import CommentFactory


@pytest.mark.parametrize("count", [1, 3])
def test_event_page_query_count_is_fixed_with_comments(
    client, event, member, django_assert_num_queries, count
):
    for _ in range(count):
        CommentFactory.create_batch(2, event=event, parent=CommentFactory(event=event))
    client.force_login(member)

    with django_assert_num_queries(8):
        response = client.get(f"/events/{event.pk}/")

    assert response.content.decode().count('class="comment"') == 3 * count


@pytest.mark.parametrize("count", [1, 3])
def test_comment_list_query_count_is_fixed(
    client, event, member, django_assert_num_queries, count
):
    for _ in range(count):
        CommentFactory(event=event, parent=CommentFactory(event=event))
    client.force_login(member)

    with django_assert_num_queries(6):
        client.get(f"/events/{event.pk}/comments/")


@pytest.mark.parametrize("count", [1, 3])
def test_thread_page_query_count_is_fixed(
    client, event, comment, member, django_assert_num_queries, count
):
    CommentFactory.create_batch(count, event=event, parent=comment)
    client.force_login(member)

    with django_assert_num_queries(5):
        client.get(f"/events/{event.pk}/comments/{comment.pk}/")
