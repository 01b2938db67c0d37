from datetime import timedelta
from io import StringIO

import time_machine
from django.core.management import call_command
from django.utils import timezone

from tests.mail import links_in, only_message_to, path_of
from timepolls import services
from timepolls.audit import Actor
from timepolls.models import AuditEntry, PartyLink, hash_token

from .conftest import answer_all


def _actions(poll):
    return list(
        AuditEntry.objects.filter(poll_id=poll.pk)
        .order_by("pk")
        .values_list("action", flat=True)
    )


def test_link_is_stored_hashed_with_256_random_bits(parties):
    link, raw = PartyLink.issue(party=parties["gus"])

    assert len(raw) == 43  # token_urlsafe(32): 32 random bytes
    assert link.token_hash == hash_token(raw)
    assert PartyLink.objects.filter(token_hash=raw).exists() is False


def test_link_expires_after_14_days_without_deadline(parties):
    link, _ = PartyLink.issue(party=parties["gus"])

    assert abs(link.expires_at - (timezone.now() + timedelta(days=14))) < timedelta(
        seconds=5
    )


def test_link_expires_at_the_deadline(poll, parties):
    poll.deadline = timezone.now() + timedelta(days=3)
    poll.save()

    link, _ = PartyLink.issue(party=parties["gus"])

    assert link.expires_at == poll.deadline


def test_link_shows_the_partys_view_and_logs_a_view(client, poll, gus_link):
    response = client.get(f"/p/{gus_link}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "You answer as Gus Guest." in html
    assert "Save my answers" in html
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.get(poll_id=poll.pk, action="viewed")
    assert (entry.via, entry.actor_kind, entry.actor_label) == (
        "link",
        "party",
        "Gus Guest (private link)",
    )


def test_link_never_signs_anyone_in(client, gus_link):
    client.get(f"/p/{gus_link}/")

    assert client.get("/polls/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_link_opens_only_its_own_poll(client, poll, gus_link):
    client.get(f"/p/{gus_link}/")

    assert client.get(f"/polls/{poll.pk}/").status_code == 302
    assert client.get(f"/polls/{poll.pk}/log/").status_code == 302


def test_unknown_token_is_404_and_logs_nothing(client, poll):
    response = client.get("/p/not-a-real-token/")

    assert response.status_code == 404
    assert (
        AuditEntry.objects.filter(poll_id=poll.pk).exclude(action="created").exists()
        is False
    )


def test_expired_link_offers_a_new_one_and_is_logged(client, poll, gus_link):
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        response = client.get(f"/p/{gus_link}/")

    html = response.content.decode()
    assert response.status_code == 410
    assert "has expired" in html
    assert "Ask the organiser for a new link" in html
    entry = AuditEntry.objects.get(poll_id=poll.pk, action="link_rejected")
    assert entry.detail == {"party": "Gus Guest", "reason": "expired"}


def test_answer_through_an_expired_link_is_refused(client, poll, gus_link, times):
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        response = client.post(
            f"/p/{gus_link}/answer/",
            {"version": poll.version, **{f"time_{t.pk}": "yes" for t in times}},
        )

    assert response.status_code == 410
    assert _actions(poll) == ["created", "link_rejected"]


def test_resend_revokes_the_old_link_so_replaying_it_fails(
    client, poll, parties, owner
):
    old_link, old = PartyLink.issue(party=parties["gus"])
    client.force_login(owner)

    client.post(f"/polls/{poll.pk}/parties/{parties['gus'].pk}/resend/")
    call_command("send_mail_queue", "--once", stdout=StringIO())
    client.logout()

    new = path_of(links_in(only_message_to("gus@example.net"))[0])
    assert client.get(f"/p/{old}/").status_code == 410
    assert client.get(new).status_code == 200
    old_link.refresh_from_db()
    assert old_link.revoked_reason == "reissued"
    assert _actions(poll) == ["created", "link_issued", "link_rejected", "viewed"]


def test_agreement_revokes_every_link(client, poll, gus_link, times, owner):
    services.poll_agree(poll=poll, time=times[0], actor=Actor(user=owner))

    response = client.get(f"/p/{gus_link}/")

    assert response.status_code == 410
    assert "a time has been agreed" in response.content.decode()


def test_cancellation_revokes_every_link(client, poll, gus_link, owner):
    services.poll_cancel(poll=poll, actor=Actor(user=owner))

    assert client.get(f"/p/{gus_link}/").status_code == 410


def test_party_with_a_dead_link_asks_the_organiser_once_an_hour(
    client, poll, parties, owner
):
    link, raw = PartyLink.issue(party=parties["gus"])
    services.party_link_revoke(party=parties["gus"], actor=Actor(user=owner))

    first = client.post(f"/p/{raw}/new-link/", {"note": "Lost it"})
    second = client.post(f"/p/{raw}/new-link/", {"note": "Again"})

    assert first.status_code == 200
    assert second.status_code == 429
    assert "less than an hour ago" in second.content.decode()
    assert _actions(poll) == ["created", "link_revoked", "link_requested"]
    entry = AuditEntry.objects.get(poll_id=poll.pk, action="link_requested")
    assert entry.detail == {"party": "Gus Guest", "note": "Lost it"}


def test_link_request_mails_the_organiser(client, poll, parties, owner):
    from django.core import mail

    _, raw = PartyLink.issue(party=parties["gus"])
    services.party_link_revoke(party=parties["gus"], actor=Actor(user=owner))
    client.post(f"/p/{raw}/new-link/", {"note": ""})

    call_command("send_mail_queue", "--once", stdout=StringIO())

    assert [m.to for m in mail.outbox] == [["olga@example.org"]]
    assert mail.outbox[0].subject == "Gus Guest asks for a new link to Planning call"


def test_answer_through_link_records_the_party_and_via(
    client, poll, gus_link, times, parties
):
    response = client.post(
        f"/p/{gus_link}/answer/",
        {
            "version": poll.version,
            f"time_{times[0].pk}": "yes",
            f"time_{times[1].pk}": "maybe",
            f"time_{times[2].pk}": "no",
            "comment": "Mornings",
        },
    )

    assert response.url == f"/p/{gus_link}/"
    entry = AuditEntry.objects.get(poll_id=poll.pk, action="answered")
    assert (entry.via, entry.actor_party_id) == ("link", parties["gus"].pk)
    assert entry.answers_before == {"answers": {}, "comment": ""}
    assert entry.answers_after == {
        "answers": {times[0].key: "yes", times[1].key: "maybe", times[2].key: "no"},
        "comment": "Mornings",
    }


def test_link_log_is_readable_by_the_party(client, poll, gus_link, parties):
    answer_all(poll, parties["mo"], ["yes", "yes", "no"])

    html = client.get(f"/p/{gus_link}/log/").content.decode()

    assert "Mo Member" in html and "changed answers" in html
