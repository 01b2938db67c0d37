"""Each person's invitations name their own reply address (events/replies.py).

With INBOUND_EMAIL_DOMAIN set, ORGANIZER is rsvp+<token>@<domain>, one per
person and event, and the invitation asks for a reply; without it, the
no-reply sender and no reply. Invitations are read as the person's mailbox
gets them: through the outbox and the sender.
"""

import re

import pytest
from icalendar import Calendar

from events import services
from events.models import ReplyAddress
from tests.events.helpers import DOMAIN, invited, last_invitation

pytestmark = pytest.mark.django_db


def test_invitations_name_a_reply_address_of_their_own_and_ask_for_replies(
    inbound, event, member, charlie
):
    mo, mo_ics = invited(event, member)
    charlie_address, _ = invited(event, charlie)

    assert re.fullmatch(rf"rsvp\+[a-z2-7]{{32}}@{re.escape(DOMAIN)}", mo)
    assert charlie_address != mo
    (vevent,) = Calendar.from_ical(mo_ics).walk("VEVENT")
    assert vevent["attendee"].params["RSVP"] == "TRUE"
    # Only a hash of the token is stored.
    token = mo.split("+")[1].split("@")[0]
    stored = [str(v) for row in ReplyAddress.objects.values() for v in row.values()]
    assert [v for v in stored if token in v] == []


def test_a_change_and_the_cancellation_keep_each_persons_reply_address(
    inbound, event, owner, member
):
    first, _ = invited(event, member)

    services.event_update(event=event, by=owner, title="Renamed")
    changed, _ = last_invitation(member)
    services.event_cancel(event=event, by=owner)
    cancelled, _ = last_invitation(member)

    assert (changed, cancelled) == (first, first)


def test_without_inbound_domain_invitations_ask_for_no_reply(event, member):
    organizer, ics = invited(event, member)

    (vevent,) = Calendar.from_ical(ics).walk("VEVENT")
    assert (organizer, vevent["attendee"].params["RSVP"]) == (
        "noreply@localhost",
        "FALSE",
    )
    assert ReplyAddress.objects.count() == 0


def test_deleting_the_account_forgets_its_reply_addresses(inbound, event, member):
    from accounts.services import account_delete

    invited(event, member)

    account_delete(user=member)

    assert ReplyAddress.objects.filter(user=member).exists() is False
