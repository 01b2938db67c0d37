import threading

import pytest
import time_machine
from django.db import connection

from notifications.models import Message
from roulette.models import Pairing, Round
from roulette.services import round_run
from tests.factories import (
    GroupFactory,
    MembershipFactory,
    ParticipantFactory,
    RouletteSettingsFactory,
    free_blocks,
)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@time_machine.travel("2026-11-27 12:00Z")
def test_simultaneous_runs_pair_a_week_once():
    group = GroupFactory()
    RouletteSettingsFactory(group=group)
    for _ in range(4):
        ParticipantFactory(
            membership=MembershipFactory(group=group),
            availability=free_blocks((0, "10:00", "11:00")),
        )
    barrier = threading.Barrier(4)
    created, errors = [], []

    def run():
        try:
            barrier.wait()
            created.append(round_run(group=group, iso_week="2026-W49").created)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert sorted(created) == [False, False, False, True]
    assert (Round.objects.count(), Pairing.objects.count()) == (1, 2)
    assert Message.objects.filter(kind="roulette_pairing").count() == 4
