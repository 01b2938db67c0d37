import threading

import pytest
from django.db import connection

from events.models import Rsvp
from events.services import rsvp_set
from tests.factories import EventFactory, GroupFactory, UserFactory


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_fifty_simultaneous_replies_never_overfill():
    event = EventFactory(group=GroupFactory(), capacity=10)
    people = UserFactory.create_batch(50)
    barrier = threading.Barrier(50)
    errors = []

    def reply(person):
        try:
            barrier.wait()
            rsvp_set(event=event, user=person, choice="attending")
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=reply, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert Rsvp.objects.filter(event=event, status="attending").count() == 10
    assert Rsvp.objects.filter(event=event, status="waitlisted").count() == 40
