from io import StringIO

import pytest
from django.core.management import call_command

from tests.factories import (
    MembershipFactory,
    ParticipantFactory,
    RouletteSettingsFactory,
    UserFactory,
    free_blocks,
)


@pytest.fixture
def roulette(group):
    """Coffee roulette switched on for the `group` fixture (Rust Berlin)."""
    return RouletteSettingsFactory(group=group)


@pytest.fixture
def join(group):
    """join(name, tz, *spans): a member taking part with those free spans."""

    def make(name: str, tz: str, *spans, user=None):
        person = user or UserFactory(name=name, email=f"{name.lower()}@example.org")
        membership = MembershipFactory(user=person, group=group)
        ParticipantFactory(
            membership=membership, timezone=tz, availability=free_blocks(*spans)
        )
        return person

    return make


def pair(*args) -> str:
    """Run `manage.py pair_members` and return what it printed."""
    out = StringIO()
    call_command("pair_members", *args, stdout=out)
    return out.getvalue()


def drain():
    call_command("send_mail_queue", "--once", stdout=StringIO())
