"""Each person's invitations name their own reply address (events/replies.py).

With INBOUND_EMAIL_DOMAIN set, ORGANIZER is rsvp+<token>@<domain>, one per
person and event, and the invitation asks for a reply; without it, the
no-reply sender and no reply. Invitations are read as the person's mailbox
gets them: through the outbox and the sender.
"""

import re

import pytest
from django.core import mail
from icalendar import Calendar

from events import services
from events.models import ReplyAddress
from tests.events.helpers import DOMAIN, calendar_of, invited, last_invitation
from tests.notifications.helpers import run_sender
from tests.notifications.test_secrets import database_text

pytestmark = pytest.mark.django_db


def last_organizer(message) -> str:
    (vevent,) = Calendar.from_ical(calendar_of(message)).walk("VEVENT")
    return str(vevent["organizer"]).removeprefix("mailto:")


def test_invitations_name_a_reply_address_of_their_own_and_ask_for_replies(
    inbound, event, member, charlie
):
    mo, mo_ics = invited(event, member)
    charlie_address, _ = invited(event, charlie)

    assert re.fullmatch(rf"rsvp\+[a-z2-7]{{32}}@{re.escape(DOMAIN)}", mo)
    assert charlie_address != mo
    (vevent,) = Calendar.from_ical(mo_ics).walk("VEVENT")
    assert vevent["attendee"].params["RSVP"] == "TRUE"


def test_no_reply_token_is_readable_in_the_database(inbound, event, owner, member):
    services.rsvp_set(event=event, user=member, choice="attending")
    services.event_update(event=event, by=owner, title="Renamed")
    queued = database_text()
    run_sender()

    (address,) = {last_organizer(m) for m in mail.outbox}
    token = address.split("+")[1].split("@")[0]
    # Only its hash, also while the invitations wait in the outbox.
    assert (token in queued, token in database_text()) == (False, False)


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
