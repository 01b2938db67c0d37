"""Requests no view should ever see."""

import pytest


@pytest.mark.parametrize(
    "url",
    [
        "/calendar/%00.ics",
        "/accounts/signup/?intent=join:%00",
        "/groups/?page=1%00",
        "/events/?%00=1",
    ],
)
def test_nul_byte_in_the_address_is_a_bad_request(client, db, url):
    response = client.get(url)

    assert response.status_code == 400
    assert "The request could not be understood." in response.content.decode()


def test_nul_byte_posted_in_a_form_field_is_a_form_error(client, db):
    response = client.post("/accounts/signin/", {"email": "ann\x00@example.org"})

    assert response.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()
