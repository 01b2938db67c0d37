import re

from django.core import mail

from accounts.models import User, known_timezones
from tests.mail import links_in, only_message_to, path_of


def _sign_up(client, committing, name, email, **extra):
    with committing():
        return client.post("/accounts/signup/", {"name": name, "email": email, **extra})


def test_signup_verify_round_trip(client, db, committing):
    response = _sign_up(client, committing, "  Zoë  Ångström ", "Zoe@Example.org")
    assert response.url == "/accounts/check-inbox/"
    user = User.objects.get(email="zoe@example.org")
    assert (user.name, user.is_verified) == ("Zoë Ångström", False)

    link = path_of(links_in(only_message_to("zoe@example.org"))[0])
    client.post(link)

    user.refresh_from_db()
    assert user.is_verified is True
    assert int(client.session["_auth_user_id"]) == user.pk


def test_signup_with_existing_address_sends_signin_link_and_same_page(
    client, user, committing
):
    new = _sign_up(client, committing, "New", "fresh@example.org")
    known = _sign_up(client, committing, "Someone", "ANN@example.org")

    assert (new.status_code, new.url) == (known.status_code, known.url)
    assert "sign-in link" in only_message_to("ann@example.org").subject
    assert User.objects.get(email="ann@example.org").name == "Ann"
    assert User.objects.filter(email="ann@example.org").count() == 1


def test_signup_form_errors(client, db, committing):
    response = _sign_up(client, committing, "   ", "not-an-email")

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"name", "email"}
    assert mail.outbox == []
    assert User.objects.count() == 0


def test_signup_name_longer_than_100_characters_is_refused(client, db, committing):
    response = _sign_up(client, committing, "x" * 101, "long@example.org")

    assert "name" in response.context["form"].errors
    assert User.objects.count() == 0


def test_signup_refuses_addresses_sendgrid_would_refuse(client, db, committing):
    from notifications.models import Message

    for address in ['"a@b"@example.org', "ann@localhost"]:
        with committing():
            response = client.post(
                "/accounts/signup/", {"name": "Ann", "email": address}
            )
        assert response.status_code == 200, address
        assert "Enter an address email can be delivered to" in response.content.decode()
    assert not User.objects.exists() and not Message.objects.exists()
    with committing():
        ok = client.post("/accounts/signup/", {"name": "Ann", "email": "a+b@x.org"})
    assert ok.status_code == 302


def test_signup_saves_the_time_zone_given(client, db, committing):
    _sign_up(client, committing, "Berta", "berta@example.org", timezone="Europe/Berlin")

    assert User.objects.get(email="berta@example.org").timezone == "Europe/Berlin"


def test_signup_without_a_time_zone_gets_utc(client, db, committing):
    _sign_up(client, committing, "Una", "una@example.org", timezone="")

    assert User.objects.get(email="una@example.org").timezone == "UTC"


def test_signup_refuses_an_unknown_time_zone(client, db, committing):
    response = _sign_up(
        client, committing, "Xena", "x@example.org", timezone="Mars/Olympus"
    )

    assert "timezone" in response.context["form"].errors
    assert User.objects.count() == 0
    assert mail.outbox == []


def test_signup_page_offers_a_labelled_zone_field_the_browser_can_fill(client, db):
    html = client.get("/accounts/signup/").content.decode()

    assert '<label for="id_timezone">Time zone' in html
    assert "data-detect-timezone" in html
    assert '<datalist id="timezone-list">' in html
    assert 'src="/static/js/timezone.js"' in html


def test_zone_list_offers_every_known_zone_once_where_a_zone_field_is(client, db):
    signup = client.get("/accounts/signup/").content.decode()
    signin = client.get("/accounts/signin/").content.decode()

    datalist = re.search(r'<datalist id="timezone-list">(.*?)</datalist>', signup)
    assert datalist is not None
    offered = re.findall(r'<option value="([^"]*)"></option>', datalist.group(1))
    assert offered == sorted(known_timezones())
    assert "Europe/Berlin" in offered and "America/Argentina/Buenos_Aires" in offered
    assert "timezone-list" not in signin  # no zone field there
