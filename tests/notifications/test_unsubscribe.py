from io import StringIO

from django.core import mail
from django.core.management import call_command

from mailings.models import Mailing
from mailings.services import mailing_queue
from notifications.models import OptOut, Suppression
from notifications.unsubscribe import make_token


def _mail_members(group, owner, subject="S"):
    mailing = Mailing.objects.create(
        group=group, audience="members", subject=subject, body="b", author=owner
    )
    mailing_queue(mailing=mailing)
    call_command("send_mail_queue", "--once", stdout=StringIO())


def _unsubscribe_path(address):
    [message] = [m for m in mail.outbox if address in m.to]
    return (
        message.extra_headers["List-Unsubscribe"]
        .strip("<>")
        .replace("https://meetings.test", "")
    )


def test_get_shows_confirmation_and_changes_nothing(client, group, owner, member):
    _mail_members(group, owner)

    response = client.get(_unsubscribe_path("mo@example.org"))

    assert "Unsubscribe mo@example.org?" in response.content.decode()
    assert OptOut.objects.count() == 0


def test_one_click_post_unsubscribes_without_sign_in_or_csrf(group, owner, member):
    from django.test import Client

    _mail_members(group, owner)
    csrf_client = Client(enforce_csrf_checks=True)

    response = csrf_client.post(
        _unsubscribe_path("mo@example.org"), {"List-Unsubscribe": "One-Click"}
    )

    assert response.status_code == 200
    assert list(OptOut.objects.values_list("user__email", "group__slug", "topic")) == [
        ("mo@example.org", "rust-berlin", "mailings")
    ]


def test_opted_out_member_gets_no_more_mailings(client, group, owner, member):
    _mail_members(group, owner, "First")
    client.post(_unsubscribe_path("mo@example.org"))
    mail.outbox.clear()

    _mail_members(group, owner, "Second")

    assert [m.to for m in mail.outbox] == [["olga@example.org"]]


def test_forged_token_is_refused(client, db):
    response = client.post("/unsubscribe/not-a-real-token/")

    assert response.status_code == 400
    assert Suppression.objects.count() == 0 and OptOut.objects.count() == 0


def test_token_for_unknown_delivery_is_refused(client, db):
    assert client.get(f"/unsubscribe/{make_token(999999)}/").status_code == 400


def test_preferences_page_turns_topics_off_and_on(client, group, member):
    client.force_login(member)
    group_id = group.pk

    client.post("/accounts/email-preferences/", {
        f"g{group_id}_mailings": "on", f"g{group_id}_event_updates": "on",
        f"g{group_id}_comments": "on",
        f"g{group_id}_roulette": "on",
    })  # fmt: skip
    assert list(OptOut.objects.values_list("topic", flat=True)) == ["announcements"]

    client.post("/accounts/email-preferences/", {
        f"g{group_id}_mailings": "on", f"g{group_id}_event_updates": "on",
        f"g{group_id}_announcements": "on", f"g{group_id}_comments": "on",
        f"g{group_id}_roulette": "on",
    })  # fmt: skip
    assert OptOut.objects.count() == 0


def test_suppressed_address_gets_bulk_nothing_but_signin_links(
    client, group, owner, member, committing
):
    Suppression.objects.create(email="mo@example.org", reason="bounce")

    _mail_members(group, owner)
    with committing():
        client.post("/accounts/signin/", {"email": "mo@example.org"})

    assert sorted((m.to[0], m.subject) for m in mail.outbox) == [
        ("mo@example.org", "Your sign-in link for meetings"),
        ("olga@example.org", "S"),
    ]
