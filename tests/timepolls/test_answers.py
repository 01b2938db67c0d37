from datetime import UTC, datetime, timedelta
from io import StringIO

import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from tests.html import table_text
from timepolls import services
from timepolls.audit import Actor
from timepolls.models import Answer, AuditEntry, PartyLink, Poll
from timepolls.times import format_time

from .conftest import answer_all


def drain():
    call_command("send_mail_queue", "--once", stdout=StringIO())


def _actions(poll):
    return list(
        AuditEntry.objects.filter(poll_id=poll.pk)
        .order_by("pk")
        .values_list("action", flat=True)
    )


def _post_answers(client, url, poll, times, choices, **extra):
    data = {"version": poll.version, **extra}
    data.update({f"time_{t.pk}": c for t, c in zip(times, choices, strict=True)})
    return client.post(url, data)


def test_signed_in_party_answers_without_a_link(client, poll, member, times, parties):
    client.force_login(member)

    response = _post_answers(
        client, f"/polls/{poll.pk}/answer/", poll, times, ["yes", "no", "maybe"]
    )

    assert response.url == f"/polls/{poll.pk}/"
    assert sorted(
        Answer.objects.filter(party=parties["mo"]).values_list("choice", flat=True)
    ) == ["maybe", "no", "yes"]
    entry = AuditEntry.objects.get(action="answered")
    assert (entry.via, entry.actor_kind, entry.actor_user_id) == (
        "web",
        "person",
        member.pk,
    )


def test_every_time_needs_an_answer(client, poll, member, times):
    client.force_login(member)

    response = client.post(
        f"/polls/{poll.pk}/answer/",
        {"version": poll.version, f"time_{times[0].pk}": "yes"},
    )

    assert response.status_code == 400
    assert "Choose yes, if need be or no." in response.content.decode()
    assert Answer.objects.exists() is False


def test_answers_on_stale_times_are_refused_without_an_entry(
    client, poll, member, times, owner
):
    services.time_remove(poll=poll, time=times[2], actor=Actor(user=owner))
    client.force_login(member)

    response = _post_answers(
        client, f"/polls/{poll.pk}/answer/", poll, times[:2], ["yes", "no"]
    )

    assert response.url == f"/polls/{poll.pk}/"
    assert Answer.objects.exists() is False
    assert _actions(poll) == ["created", "time_removed"]


def test_unchanged_answers_write_no_entry(poll, parties):
    answer_all(poll, parties["mo"], ["yes", "no", "no"])

    changed = answer_all(poll, parties["mo"], ["yes", "no", "no"])

    assert changed is False
    assert _actions(poll) == ["created", "answered"]


def test_answers_after_the_deadline_are_refused(poll, parties):
    Poll.objects.filter(pk=poll.pk).update(deadline=timezone.now() + timedelta(hours=1))
    poll.refresh_from_db()

    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        try:
            answer_all(poll, parties["mo"], ["yes", "no", "no"])
        except services.PollError as error:
            refused = str(error)

    assert refused == "The deadline has passed."
    assert _actions(poll) == ["created"]


def test_tally_puts_times_that_suit_everyone_first(client, poll, parties, times, owner):
    answer_all(poll, parties["olga"], ["no", "yes", "yes"])
    answer_all(poll, parties["mo"], ["yes", "maybe", "yes"])
    answer_all(poll, parties["gus"], ["yes", "yes", "no"])
    client.force_login(owner)

    html = client.get(f"/polls/{poll.pk}/").content.decode()

    labels = [format_time(t.start, "UTC") for t in times]
    headers = [row[0] for row in table_text(html, "poll-grid")[1:]]
    assert headers == [
        f"{labels[1]} Best suits everyone agreed",
        labels[0],
        labels[2],
    ]


def test_exactly_one_time_suiting_everyone_is_agreed_automatically(
    poll, parties, times
):
    answer_all(poll, parties["olga"], ["yes", "yes", "no"])
    answer_all(poll, parties["mo"], ["maybe", "no", "yes"])

    answer_all(poll, parties["gus"], ["yes", "yes", "yes"])

    poll.refresh_from_db()
    assert (poll.status, poll.agreed_time_id) == ("agreed", times[0].pk)
    assert _actions(poll)[-3:] == ["answered", "notified", "agreed"]
    agreed = AuditEntry.objects.get(action="agreed")
    assert (agreed.actor_kind, agreed.via, agreed.detail["automatic"]) == (
        "system",
        "system",
        True,
    )
    assert PartyLink.objects.active().exists() is False


def test_two_suitable_times_wait_for_the_organiser_who_is_told(poll, parties):
    answer_all(poll, parties["olga"], ["yes", "yes", "no"])
    answer_all(poll, parties["mo"], ["yes", "yes", "no"])

    answer_all(poll, parties["gus"], ["yes", "maybe", "yes"])
    drain()

    poll.refresh_from_db()
    assert poll.status == "open"
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["olga@example.org"], "Everyone has answered: Planning call")
    ]
    assert _actions(poll)[-2:] == ["answered", "notified"]


def test_everyone_answered_note_is_sent_once(poll, parties):
    for name in ("olga", "mo", "gus"):
        answer_all(poll, parties[name], ["yes", "yes", "no"])

    answer_all(poll, parties["gus"], ["yes", "maybe", "no"])
    drain()

    assert len(mail.outbox) == 1


@time_machine.travel(datetime(2030, 6, 1, 12, tzinfo=UTC), tick=False)
def test_two_parties_see_the_same_time_in_their_own_zones(client, owner):
    poll = services.poll_create(
        organiser=owner, actor=Actor(user=owner), title="Across zones", duration_minutes=30,
        tz="Europe/Berlin", times=[datetime(2030, 7, 1, 12, 0, tzinfo=UTC)],
        parties=[services.PartySpec("tokyo@example.net", "Toki", "Asia/Tokyo"),
                 services.PartySpec("nyc@example.net", "Nia", "America/New_York")],
    )  # fmt: skip
    _, toki = PartyLink.issue(party=poll.parties.get(name="Toki"))
    _, nia = PartyLink.issue(party=poll.parties.get(name="Nia"))

    toki_html = client.get(f"/p/{toki}/").content.decode()
    nia_html = client.get(f"/p/{nia}/").content.decode()

    assert "Mon 1 Jul 2030, 21:00 (Asia/Tokyo, UTC+09:00)" in toki_html
    assert "Mon 1 Jul 2030, 08:00 (America/New_York, UTC-04:00)" in nia_html
    assert "08:00 (America/New_York" not in toki_html


def test_zone_picker_is_remembered_for_the_party(client, poll, gus_link, parties):
    response = client.post(f"/p/{gus_link}/zone/", {"timezone": "Australia/Sydney"})

    html = client.get(f"/p/{gus_link}/").content.decode()
    parties["gus"].refresh_from_db()
    assert response.url == f"/p/{gus_link}/"
    assert parties["gus"].timezone == "Australia/Sydney"
    assert "(Australia/Sydney, UTC+1" in html
    assert AuditEntry.objects.get(action="zone_changed").detail == {
        "party": "Gus Guest",
        "from": "America/New_York",
        "to": "Australia/Sydney",
    }


def test_unknown_zone_is_refused(client, poll, gus_link, parties):
    client.post(f"/p/{gus_link}/zone/", {"timezone": "Mars/Base"})

    parties["gus"].refresh_from_db()
    assert parties["gus"].timezone == "America/New_York"
    assert AuditEntry.objects.filter(action="zone_changed").exists() is False
