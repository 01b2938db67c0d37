from django.core import mail


def _ask(client, committing, email, ip="10.0.0.1"):
    with committing():
        return client.post("/accounts/signin/", {"email": email}, REMOTE_ADDR=ip)


def test_sixth_link_for_one_address_in_an_hour_is_refused(client, user, committing):
    for n in range(5):
        _ask(client, committing, "ann@example.org", ip=f"10.0.0.{n}")

    response = _ask(client, committing, "Ann@example.org", ip="10.0.0.99")

    assert response.status_code == 200
    assert "Too many attempts" in response.content.decode()
    assert len(mail.outbox) == 5


def test_thirty_first_request_from_one_ip_is_refused(client, db, committing):
    for n in range(30):
        _ask(client, committing, f"p{n}@example.org")

    response = _ask(client, committing, "another@example.org")

    assert "Too many attempts" in response.content.decode()
    assert len(mail.outbox) == 30
    assert [m for m in mail.outbox if "another@example.org" in m.to] == []


def test_limits_are_per_address_and_per_ip(client, user, committing):
    for n in range(5):
        _ask(client, committing, "ann@example.org", ip=f"10.0.1.{n}")

    response = _ask(client, committing, "bob@example.org", ip="10.0.1.0")

    assert response.status_code == 302
