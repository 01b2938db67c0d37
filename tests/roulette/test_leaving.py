from io import StringIO

from django.core import mail
from django.core.management import call_command

from groups.services import membership_leave
from roulette.models import Pairing
from tests.factories import PairingFactory, RoundFactory


def _drain():
    call_command("send_mail_queue", "--once", stdout=StringIO())


def test_leaving_the_group_cancels_upcoming_meetings_and_tells_the_partner(
    group, owner, member
):
    pairing = PairingFactory(round=RoundFactory(group=group), people=[member, owner])

    membership_leave(user=member, group=group)
    _drain()

    pairing.refresh_from_db()
    assert pairing.status == Pairing.Status.CANCELLED
    assert sorted(m.to[0] for m in mail.outbox) == [
        "mo@example.org",
        "olga@example.org",
    ]


def test_deleting_the_account_cancels_upcoming_meetings(client, group, owner, member):
    pairing = PairingFactory(round=RoundFactory(group=group), people=[member, owner])
    client.force_login(member)

    client.post("/accounts/profile/delete/", {"confirm": "on"})

    pairing.refresh_from_db()
    assert pairing.status == Pairing.Status.CANCELLED
