import pytest
from django.db import IntegrityError

from accounts.models import User


@pytest.mark.django_db
def test_create_user_stores_email_lowercased():
    user = User.objects.create_user("  Ann@Example.ORG ", "Ann")

    user.refresh_from_db()
    assert user.email == "ann@example.org"
    assert user.has_usable_password() is False


@pytest.mark.django_db
def test_email_is_unique_ignoring_case():
    User.objects.create_user("ann@example.org", "Ann")

    with pytest.raises(IntegrityError):
        User.objects.create_user("ANN@example.org", "Ann again")


@pytest.mark.django_db
def test_database_refuses_an_email_with_capitals():
    with pytest.raises(IntegrityError):
        User.objects.bulk_create([User(email="Bob@Example.org", name="Bob")])


@pytest.mark.django_db
def test_get_by_email_ignores_case():
    ann = User.objects.create_user("ann@example.org", "Ann")

    assert User.objects.get_by_email("ANN@EXAMPLE.org") == ann
