import pytest

from accounts.models import User
from tests.mail import links_in, only_message_to, path_of


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


def test_profile_saves_name_zone_and_links(signed_in, user):
    response = signed_in.post(
        "/accounts/profile/",
        {
            "name": "Ann Lee",
            "timezone": "Asia/Kathmandu",
            "website": "https://ann.example.org",
            "github": "https://github.com/annlee",
            "linkedin": "",
        },
    )

    assert response.url == "/accounts/profile/"
    user.refresh_from_db()
    assert (user.name, user.timezone) == ("Ann Lee", "Asia/Kathmandu")
    assert user.github == "https://github.com/annlee"


@pytest.mark.parametrize(
    "field,value",
    [
        ("timezone", "Mars/Olympus"),
        ("name", ""),
        ("website", "not a url"),
        ("github", "https://evil.example/annlee"),
        ("linkedin", "http://www.linkedin.com/in/ann"),
    ],
)
def test_profile_bad_input_shows_error_and_changes_nothing(
    signed_in, user, field, value
):
    data = {
        "name": "Ann",
        "timezone": "UTC",
        "website": "",
        "github": "",
        "linkedin": "",
    }
    data[field] = value

    response = signed_in.post("/accounts/profile/", data)

    assert response.status_code == 200
    assert field in response.context["form"].errors
    user.refresh_from_db()
    assert (user.name, user.timezone, user.website) == ("Ann", "UTC", "")


def test_profile_needs_sign_in(client, db):
    response = client.get("/accounts/profile/")

    assert response.url == "/accounts/signin/?next=/accounts/profile/"


def test_email_change_takes_effect_on_confirmation(signed_in, user, committing):
    with committing():
        signed_in.post("/accounts/profile/email/", {"email": "Ann.New@Example.org"})
    user.refresh_from_db()
    assert user.email == "ann@example.org"

    link = path_of(links_in(only_message_to("ann.new@example.org"))[0])
    assert signed_in.get(link).status_code == 200
    signed_in.post(link)

    user.refresh_from_db()
    assert user.email == "ann.new@example.org"


def test_email_change_to_taken_address_sends_nothing(
    signed_in, user, charlie, committing
):
    from django.core import mail

    with committing():
        response = signed_in.post(
            "/accounts/profile/email/", {"email": "charlie@example.org"}
        )

    assert response.url == "/accounts/profile/"
    assert mail.outbox == []
    user.refresh_from_db()
    assert user.email == "ann@example.org"


def test_delete_account_needs_confirmation(signed_in, user):
    response = signed_in.post("/accounts/profile/delete/", {})

    assert response.status_code == 400
    user.refresh_from_db()
    assert user.is_active is True


def test_delete_account_anonymises_and_signs_out(signed_in, user):
    response = signed_in.post("/accounts/profile/delete/", {"confirm": "on"})

    assert response.url == "/"
    user.refresh_from_db()
    assert (user.name, user.is_active) == ("Former member", False)
    assert User.objects.filter(email="ann@example.org").exists() is False
    assert "_auth_user_id" not in signed_in.session


def _change_email(client, committing, address):
    with committing():
        return client.post("/accounts/profile/email/", {"email": address})


def test_email_change_links_are_limited_per_account(
    signed_in, user, committing, settings
):
    from django.core import mail

    from accounts.models import LoginToken
    from core import ratelimit
    from core.models import RateLimitBucket

    # The measurement: one account made the site mail 40 addresses.
    settings.EMAIL_CHANGES_PER_ACCOUNT = 40
    targets = [f"target{n}@example.net" for n in range(41)]
    for address in targets[:40]:
        _change_email(signed_in, committing, address)

    response = _change_email(signed_in, committing, targets[40])

    assert response.status_code == 400
    assert response.context["email_form"].errors["email"] == [
        "This account has asked for too many address-change links (40 a day). "
        "Please try again later."
    ]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(targets[:40])
    changes = LoginToken.objects.filter(purpose=LoginToken.Purpose.EMAIL_CHANGE)
    assert sorted(changes.values_list("new_email", flat=True)) == sorted(targets[:40])
    # Refused whole: the 41st address's own bucket was not touched either.
    key = ratelimit.hashed_key("email", targets[40])
    assert RateLimitBucket.objects.filter(key=key).exists() is False


def test_email_change_default_is_five_links_per_account_a_day(
    signed_in, user, committing
):
    from django.core import mail

    for n in range(5):
        _change_email(signed_in, committing, f"try{n}@example.net")

    response = _change_email(signed_in, committing, "try5@example.net")

    assert "too many address-change links (5 a day)" in response.content.decode()
    assert [m.to for m in mail.outbox] == [[f"try{n}@example.net"] for n in range(5)]


def test_email_change_refuses_an_address_sendgrid_would_refuse(
    signed_in, user, committing
):
    from django.core import mail

    from accounts.models import LoginToken

    with committing():
        response = signed_in.post(
            "/accounts/profile/email/", {"email": '"a@b"@example.org'}
        )

    assert response.status_code == 400
    assert response.context["email_form"].errors == {
        "email": ["Enter an address email can be delivered to, like ada@example.org."]
    }
    assert mail.outbox == []
    assert LoginToken.objects.exists() is False
    user.refresh_from_db()
    assert user.email == "ann@example.org"
