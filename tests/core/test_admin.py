"""The Django admin signs staff in through the emailed link like everyone else."""


def test_visitor_is_sent_to_sign_in_and_back_to_the_admin(client, db):
    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[-1] == ("/accounts/signin/?next=%2Fadmin%2F", 302)
    assert response.status_code == 200


def test_signed_in_non_staff_gets_a_staff_only_page_not_a_loop(client, user):
    client.force_login(user)

    response = client.get("/admin/", follow=True)

    assert response.redirect_chain == [("/admin/login/?next=/admin/", 302)]
    assert response.status_code == 403
    assert "The admin is for staff only." in response.content.decode()


def test_staff_opens_the_admin(client, staff):
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)

    assert client.get("/admin/").status_code == 200
