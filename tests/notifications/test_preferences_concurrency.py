import threading

import pytest
from django.db import connection
from django.test import Client

from tests.factories import GroupFactory, MembershipFactory, UserFactory

URL = "/accounts/email-preferences/"
TOPICS = ["announcements", "mailings", "event_updates", "comments", "roulette"]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_simultaneous_preference_saves_never_fail():
    """Eight tabs save at once, a third turning every box on, the rest off.

    Before saves were idempotent, most runs of this size hit an IntegrityError
    (a 500) somewhere among their 160 saves.
    """
    person = UserFactory()
    groups = [
        MembershipFactory(user=person, group=GroupFactory()).group for _ in range(3)
    ]
    everything_on = {f"g{g.pk}_{topic}": "on" for g in groups for topic in TOPICS}
    # A browser always sends the CSRF token, even with every box off.
    everything_off = {"csrfmiddlewaretoken": "x"}
    barrier = threading.Barrier(8)
    statuses, errors = [], []

    def save(n):
        client = Client(raise_request_exception=False)
        client.force_login(person)
        try:
            barrier.wait()
            for _ in range(20):
                data = everything_on if n % 3 == 0 else everything_off
                statuses.append(client.post(URL, data).status_code)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert statuses == [302] * 160
