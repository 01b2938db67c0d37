"""Pages speak the profile's language, else the browser's, else English."""

import pytest

from tests.factories import UserFactory

HOME = "/"


def _html(response) -> str:
    return response.content.decode()


@pytest.mark.django_db
def test_a_visitor_gets_english_without_accept_language(client):
    html = _html(client.get(HOME))

    assert '<html lang="en" dir="ltr">' in html
    assert ">Sign in</a>" in html


@pytest.mark.django_db
def test_a_visitor_gets_the_browsers_language(client):
    html = _html(client.get(HOME, headers={"accept-language": "de-DE,de;q=0.9"}))

    assert '<html lang="de" dir="ltr">' in html
    assert ">Anmelden</a>" in html


@pytest.mark.django_db
def test_hebrew_pages_are_right_to_left(client):
    response = client.get(HOME, headers={"accept-language": "he"})

    assert '<html lang="he" dir="rtl">' in _html(response)
    assert ">התחברות</a>" in _html(response)
    assert response["Content-Language"] == "he"


@pytest.mark.django_db
def test_a_language_the_site_does_not_speak_falls_back_to_english(client):
    html = _html(client.get(HOME, headers={"accept-language": "fr-FR,fr"}))

    assert '<html lang="en" dir="ltr">' in html


@pytest.mark.django_db
def test_the_profile_language_wins_over_the_browsers(client):
    client.force_login(UserFactory(language="he"))

    html = _html(client.get(HOME, headers={"accept-language": "de"}))

    assert '<html lang="he" dir="rtl">' in html
    assert ">התנתקות</button>" in html


@pytest.mark.django_db
def test_without_a_profile_language_the_browsers_is_used(client):
    client.force_login(UserFactory(language=""))

    html = _html(client.get(HOME, headers={"accept-language": "de"}))

    assert ">Abmelden</button>" in html


@pytest.mark.django_db
def test_every_page_has_the_language_switcher(client):
    html = _html(client.get("/groups/"))

    assert '<label for="language-choice">Language</label>' in html
    assert '<option value="he" lang="he">עברית</option>' in html
    assert '<button type="submit" class="secondary">Change language</button>' in html


@pytest.mark.django_db
def test_the_switcher_sets_the_cookie_and_goes_back(client):
    response = client.post(
        "/accounts/language/", {"language": "de", "next": "/groups/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/groups/"
    assert response.cookies["django_language"].value == "de"
    assert '<html lang="de"' in _html(client.get("/groups/"))


@pytest.mark.django_db
def test_the_switcher_saves_the_language_on_the_account(client, user):
    client.force_login(user)

    client.post("/accounts/language/", {"language": "he", "next": "/"})

    user.refresh_from_db()
    assert user.language == "he"


@pytest.mark.django_db
def test_the_switcher_refuses_a_language_the_site_does_not_speak(client, user):
    client.force_login(user)

    response = client.post("/accounts/language/", {"language": "fr", "next": "/"})

    assert response.status_code == 400
    assert "Choose one of the languages the list offers." in _html(response)
    assert "django_language" not in response.cookies
    user.refresh_from_db()
    assert user.language == ""


@pytest.mark.django_db
def test_the_switcher_never_redirects_off_the_site(client):
    response = client.post(
        "/accounts/language/", {"language": "de", "next": "https://evil.example/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_the_profile_form_saves_the_language(client, user):
    client.force_login(user)

    response = client.post(
        "/accounts/profile/",
        {"name": "Ann", "timezone": "UTC", "language": "de"},
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "de"


@pytest.mark.django_db
def test_signing_up_keeps_the_language_of_the_page(client):
    client.post(
        "/accounts/signup/",
        {"name": "Dora", "email": "dora@example.org", "timezone": "Europe/Berlin"},
        headers={"accept-language": "de"},
    )

    from accounts.models import User

    assert User.objects.get(email="dora@example.org").language == "de"


@pytest.mark.django_db
def test_error_pages_speak_the_visitors_language(client):
    response = client.get("/groups/nope/", headers={"accept-language": "de"})

    assert response.status_code == 404
    assert "<h1>Seite nicht gefunden</h1>" in _html(response)


def test_the_500_page_speaks_the_active_language(rf):
    from django.utils import translation

    from core.errors import server_error

    with translation.override("he"):
        html = server_error(rf.get("/")).content.decode()

    assert '<html lang="he" dir="rtl">' in html
    assert "<h1>משהו השתבש</h1>" in html


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Thursday 3 December 2026, 14:00"),
        ("de", "Donnerstag, 3. Dezember 2026, 14:00"),
        ("he", "יום חמישי, 3 בדצמבר 2026, 14:00"),
    ],
)
def test_dates_follow_the_languages_own_format(language, expected):
    from datetime import datetime

    from django.utils import translation
    from django.utils.formats import date_format

    with translation.override(language):
        assert date_format(datetime(2026, 12, 3, 14, 0), "DATETIME_FORMAT") == expected
