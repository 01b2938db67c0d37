"""POST /webhooks/sendgrid/: SendGrid's signed events suppress addresses."""

import json
import time

import pytest

from mailings.services import mailing_queue
from notifications import email
from notifications.models import Delivery, Suppression, WebhookEvent
from tests.factories import MembershipFactory, UserFactory
from tests.fakes.sendgrid_server import WebhookSigner
from tests.notifications.helpers import queue_bulk, recipients_per_request, run_sender

URL = "/webhooks/sendgrid/"


@pytest.fixture(scope="module")
def signer():
    return WebhookSigner.generate()


@pytest.fixture(autouse=True)
def _public_key(settings, signer):
    settings.SENDGRID_WEBHOOK_PUBLIC_KEY = signer.public_key


def _event(kind="bounce", email="ann@example.org", event_id="ev-1", **extra):
    return {
        "email": email,
        "event": kind,
        "sg_event_id": event_id,
        "timestamp": int(time.time()),
        **extra,
    }


def _post(client, signer, events, *, age=0, headers=None):
    body = json.dumps(events).encode()
    stamp = str(int(time.time()) - age)
    return client.post(
        URL,
        data=body,
        content_type="application/json",
        headers=signer.headers(body, stamp) if headers is None else headers,
    )


def _suppressed():
    return list(Suppression.objects.values_list("email", "reason"))


@pytest.mark.django_db
def test_webhook_signed_bounce_suppresses_address(client, signer):
    response = _post(client, signer, [_event(reason="550 no such user")])

    assert response.status_code == 200
    assert response.content == b"1 recorded.\n"
    assert _suppressed() == [("ann@example.org", "bounce")]
    assert Suppression.objects.get().detail == "bounce; 550 no such user"


@pytest.mark.django_db
def test_webhook_bounce_marks_its_delivery_failed(client, signer):
    delivery = queue_bulk(["ann@example.org"]).deliveries.get()
    Delivery.objects.update(status="sent")
    event = _event(delivery_id=str(delivery.pk), reason="550 no such user")

    _post(client, signer, [event])

    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_error) == (
        "failed",
        "bounce; 550 no such user",
    )


@pytest.mark.django_db
def test_webhook_ignores_delivery_id_of_another_address(client, signer):
    delivery = queue_bulk(["bob@example.org"]).deliveries.get()
    Delivery.objects.update(status="sent")

    _post(client, signer, [_event(delivery_id=str(delivery.pk))])

    delivery.refresh_from_db()
    assert delivery.status == "sent"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "event,reason",
    [
        (_event("bounce"), "bounce"),
        (_event("bounce", type="blocked"), "blocked"),
        (_event("dropped", reason="Bounced Address"), "dropped"),
        (_event("spamreport"), "spamreport"),
        (_event("unsubscribe"), "unsubscribe"),
    ],
)
def test_webhook_records_suppressing_events(client, signer, event, reason):
    _post(client, signer, [event])

    assert _suppressed() == [("ann@example.org", reason)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kind", ["processed", "delivered", "open", "click", "deferred"]
)
def test_webhook_ignores_other_events(client, signer, kind):
    response = _post(client, signer, [_event(kind)])

    assert response.status_code == 200
    assert _suppressed() == []
    assert WebhookEvent.objects.count() == 0


@pytest.mark.django_db
def test_webhook_duplicate_events_count_once(client, signer):
    first = _post(client, signer, [_event(), _event()])
    again = _post(client, signer, [_event()])

    assert (first.content, again.content) == (b"1 recorded.\n", b"0 recorded.\n")
    assert list(WebhookEvent.objects.values_list("sg_event_id", "event")) == [
        ("ev-1", "bounce")
    ]
    assert _suppressed() == [("ann@example.org", "bounce")]


@pytest.mark.django_db
def test_webhook_lowercases_address(client, signer):
    _post(client, signer, [_event(email="Ann@Example.ORG")])

    assert _suppressed() == [("ann@example.org", "bounce")]


@pytest.mark.django_db
def test_webhook_processed_event_settles_unknown_outcome(client, signer):
    delivery = queue_bulk(["ann@example.org"]).deliveries.get()
    Delivery.objects.update(unknown_outcome=True)

    _post(client, signer, [_event("processed", delivery_id=str(delivery.pk))])

    delivery.refresh_from_db()
    assert delivery.status == "sent"
    assert _suppressed() == []


@pytest.mark.django_db
def test_webhook_bad_signature_is_forbidden(client, signer):
    other = WebhookSigner.generate()

    response = _post(client, other, [_event()])

    assert response.status_code == 403
    assert _suppressed() == []


@pytest.mark.django_db
def test_webhook_missing_signature_is_forbidden(client, signer):
    response = _post(client, signer, [_event()], headers={})

    assert response.status_code == 403
    assert _suppressed() == []


@pytest.mark.django_db
def test_webhook_stale_signature_is_forbidden(client, signer):
    response = _post(client, signer, [_event()], age=301)

    assert response.status_code == 403
    assert _suppressed() == []


@pytest.mark.django_db
def test_webhook_tampered_body_is_forbidden(client, signer):
    body = json.dumps([_event()]).encode()
    headers = signer.headers(body, str(int(time.time())))

    response = client.post(
        URL,
        data=body.replace(b"ann@", b"bob@"),
        content_type="application/json",
        headers=headers,
    )

    assert response.status_code == 403
    assert _suppressed() == []


@pytest.mark.django_db
def test_webhook_without_configured_key_is_forbidden(client, signer, settings):
    settings.SENDGRID_WEBHOOK_PUBLIC_KEY = ""

    response = _post(client, signer, [_event()])

    assert response.status_code == 403
    assert _suppressed() == []


@pytest.mark.django_db
def test_webhook_signed_non_array_is_bad_request(client, signer):
    response = _post(client, signer, {"event": "bounce"})

    assert response.status_code == 400
    assert _suppressed() == []


def test_webhook_large_body_is_refused(client, signer):
    events = [_event(event_id=f"ev-{i}", padding="x" * 1000) for i in range(1100)]

    response = _post(client, signer, events)

    assert response.status_code == 413


def test_webhook_get_is_not_allowed(client):
    assert client.get(URL).status_code == 405


@pytest.mark.django_db
def test_bounced_member_gets_no_mailing_but_still_signin_link(
    client, signer, sendgrid, committing, group, owner, member
):
    _post(client, signer, [_event(email=member.email)])
    mailing = group.mailings.create(
        audience="members", subject="Hello", body="Hi all", author=owner
    )

    mailing_queue(mailing=mailing)
    run_sender()
    with committing():
        email.send_signin_link(
            email=member.email, name="Mo", url="https://x.test/l", minutes=15
        )

    assert recipients_per_request(sendgrid) == [[owner.email], [member.email]]
    assert [r["subject"] for r in sendgrid.requests] == [
        "Hello",
        "Your sign-in link for meetings",
    ]
    assert mailing.message.deliveries.get(email=member.email).status == "suppressed"


@pytest.mark.django_db
def test_queue_suppresses_bounced_address(group):
    person = UserFactory(email="gone@example.org")
    MembershipFactory(user=person, group=group)
    Suppression.objects.create(email=person.email, reason="bounce")

    message = queue_bulk([], users=[person], group=group)

    assert message.deliveries.get().status == "suppressed"


def _post_raw(client, signer, body: bytes):
    headers = signer.headers(body, str(int(time.time())))
    return client.post(URL, data=body, content_type="application/json", headers=headers)


@pytest.mark.django_db
@pytest.mark.parametrize("depth", [10_000, 100_000])
def test_webhook_deeply_nested_json_is_a_bad_request(client, signer, depth):
    response = _post_raw(client, signer, b"[" * depth + b"]" * depth)

    assert response.status_code == 400
    assert response.content == b"The body is not JSON.\n"


@pytest.mark.django_db
def test_webhook_nested_values_inside_an_event_are_ignored(client, signer):
    nested = "[" * 900 + "]" * 900
    body = f'[{{"event": "bounce", "email": {nested}, "reason": {nested}}}]'

    response = _post_raw(client, signer, body.encode())

    assert response.status_code == 200
    assert _suppressed() == []
