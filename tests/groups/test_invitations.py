"""Owners invite people by address: one email each, nobody added without consent."""

from io import StringIO

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from groups.models import Invitation, Membership
from notifications.models import Delivery, Suppression
from tests.factories import UserFactory
from tests.mail import links_in, only_message_to, path_of

URL = "/groups/rust-berlin/invite/"


def drain():
    call_command("send_mail_queue", "--once", stdout=StringIO())


def _invite(client, addresses="", csv=None, note=""):
    data = {"addresses": addresses, "note": note}
    if csv is not None:
        data["csv_file"] = SimpleUploadedFile("people.csv", csv, "text/csv")
    return client.post(URL, data)


def test_owner_invites_a_pasted_list_and_sees_a_summary(client, group, owner, member):
    Suppression.objects.create(email="gone@example.org", reason="bounce")
    client.force_login(owner)

    response = _invite(
        client,
        "Ada Lovelace <ada@example.org>\n"
        "grace@example.org, Grace Hopper\n"
        "mo@example.org\n"
        "gone@example.org\n"
        "not-an-address\n"
        "ADA@example.org\n",
    )
    drain()

    html = response.content.decode()
    assert response.status_code == 200
    assert "Invited: 2" in html
    assert "Already members: 1" in html
    assert "Not valid addresses: 1" in html
    assert "Asked for no email: 1" in html
    assert "not-an-address" in html
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ada@example.org",
        "grace@example.org",
    ]
    assert Membership.objects.filter(group=group).count() == 2  # nobody added
    assert set(Invitation.objects.values_list("email", flat=True)) == {
        "ada@example.org",
        "grace@example.org",
    }


def test_the_invitation_leads_to_the_group_page_and_can_be_stopped(
    client, group, owner
):
    client.force_login(owner)
    _invite(client, "ada@example.org", note="We meet monthly at c-base.")
    drain()

    message = only_message_to("ada@example.org")
    assert message.subject == "Olga Owner invites you to join Rust Berlin"
    assert "We meet monthly at c-base." in message.body
    links = links_in(message)
    assert "https://meetings.test/groups/rust-berlin/" in links
    assert message.extra_headers["List-Unsubscribe-Post"] == (
        "List-Unsubscribe=One-Click"
    )
    unsubscribe = [link for link in links if "/unsubscribe/" in link][0]
    client.logout()
    client.post(path_of(unsubscribe))
    assert Suppression.objects.filter(email="ada@example.org").exists()


def test_each_address_is_invited_once(client, group, owner):
    client.force_login(owner)
    _invite(client, "ada@example.org")
    again = _invite(client, "ada@example.org\nbob@example.org")
    drain()

    assert "Invited before: 1" in again.content.decode()
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ada@example.org",
        "bob@example.org",
    ]


def test_invite_from_a_csv_file_with_a_header(client, group, owner):
    client.force_login(owner)

    response = _invite(
        client,
        csv=b"Name,Email\nAda Lovelace,ada@example.org\n=cmd(),bob@example.org\n",
    )
    drain()

    assert "Invited: 2" in response.content.decode()
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ada@example.org",
        "bob@example.org",
    ]


@pytest.mark.parametrize(
    "csv,error",
    [
        (b"\xff\xfe\x00bad", "Upload a CSV file in UTF-8."),
        (b"name,phone\nAda,123\n", "The file has no email addresses."),
    ],
)
def test_a_bad_file_gets_a_clear_message_and_nothing_is_stored(
    client, group, owner, csv, error
):
    client.force_login(owner)

    response = _invite(client, csv=csv)

    assert error in response.content.decode()
    assert Invitation.objects.count() == 0
    assert Delivery.objects.count() == 0


def test_nothing_to_invite_is_a_form_error(client, group, owner):
    client.force_login(owner)

    response = _invite(client, "")

    assert "Paste addresses or choose a CSV file." in response.content.decode()


def test_invitations_are_capped_per_group_and_day(client, group, owner, settings):
    settings.GROUP_INVITES_PER_DAY = 3
    client.force_login(owner)
    _invite(client, "a@example.org\nb@example.org")

    response = _invite(client, "c@example.org\nd@example.org")

    html = response.content.decode()
    assert "at most 3 new addresses a day; 1 left today" in html
    assert Invitation.objects.count() == 2
    assert Delivery.objects.count() == 2


def test_members_cannot_invite(client, group, member):
    client.force_login(member)

    assert client.get(URL).status_code == 403
    assert _invite(client, "ada@example.org").status_code == 403
    assert Invitation.objects.count() == 0


def test_the_invite_page_is_labelled(client, group, owner):
    client.force_login(owner)

    html = client.get(URL).content.decode()

    assert '<label for="id_addresses">Email addresses' in html
    assert '<label for="id_csv_file">Or a CSV file' in html
    assert '<label for="id_note">A note from you' in html
    assert ">Send invitations</button>" in html


def test_joining_after_an_invitation_clears_it(client, group, owner):
    client.force_login(owner)
    _invite(client, "ada@example.org")
    ada = UserFactory(email="ada@example.org")
    client.force_login(ada)

    client.post("/groups/rust-berlin/join/")

    assert Invitation.objects.count() == 0
