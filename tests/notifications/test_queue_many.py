"""`outbox.queue_many`: many messages, each with its own recipients, at once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import Delivery, Message, OptOut, Suppression, Topic
from notifications.outbox import Outgoing, To, queue_many
from tests.factories import GroupFactory, UserFactory


def outgoing(to: To, *, group=None, topic: str = Topic.EVENT_UPDATES) -> Outgoing:
    return Outgoing(
        kind="note",
        subject=f"For {to.email}",
        text="Hello.",
        html="<p>Hello.</p>",
        recipients=[to],
        group=group,
        topic=topic,
        calendar="BEGIN:VCALENDAR",
        calendar_method="REQUEST",
    )


def statuses() -> list[tuple[str, str, str]]:
    rows = Delivery.objects.select_related("message").order_by("email")
    return [(d.message.subject, d.email, d.status) for d in rows]


def test_queue_many_suppresses_what_queue_suppresses(group):
    ann, bob, cem = (
        UserFactory(email=f"{n}@example.org") for n in ("ann", "bob", "cem")
    )
    Suppression.objects.create(email="bob@example.org", reason="bounce")
    OptOut.objects.create(user=cem, group=group, topic=Topic.EVENT_UPDATES)
    OptOut.objects.create(user=ann, group=GroupFactory(), topic=Topic.EVENT_UPDATES)

    queue_many([outgoing(To(u.email, u.pk), group=group) for u in (ann, bob, cem)])

    assert statuses() == [
        ("For ann@example.org", "ann@example.org", "pending"),
        ("For bob@example.org", "bob@example.org", "suppressed"),
        ("For cem@example.org", "cem@example.org", "suppressed"),
    ]
    assert (
        list(Message.objects.values_list("calendar_method", flat=True))
        == ["REQUEST"] * 3
    )


@pytest.mark.parametrize("count", [1, 3])
def test_queue_many_makes_the_same_queries_for_1_and_3_messages(group, count):
    items = [outgoing(To(f"p{n}@example.org"), group=group) for n in range(count)]

    with CaptureQueriesContext(connection) as queries:
        messages = queue_many(items)

    assert len(queries) == 5
    assert [m.subject for m in messages] == [i.subject for i in items]
    assert Delivery.objects.filter(message__in=messages).count() == count
