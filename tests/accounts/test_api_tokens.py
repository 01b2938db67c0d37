from accounts.models import ApiToken, hash_token


def test_new_token_is_shown_once_and_stored_hashed(client, user):
    client.force_login(user)

    created = client.post("/accounts/api-tokens/", {"name": "calendar script"})
    later = client.get("/accounts/api-tokens/")

    token = ApiToken.objects.get()
    raw = created.context["raw"]
    assert raw.startswith("mtg_") and len(raw) == 47
    assert token.token_hash == hash_token(raw)
    assert raw in created.content.decode()
    assert raw not in later.content.decode()
    assert "calendar script" in later.content.decode()


def test_revoked_token_stops_working(client, user):
    token, raw = ApiToken.issue(user=user, name="old")
    client.force_login(user)

    response = client.post(f"/accounts/api-tokens/{token.pk}/revoke/")
    api = client.get("/api/v1/polls", headers={"Authorization": f"Bearer {raw}"})

    assert response.url == "/accounts/api-tokens/"
    assert api.status_code == 401


def test_cannot_revoke_someone_elses_token(client, user, charlie):
    token, _ = ApiToken.issue(user=user, name="mine")
    client.force_login(charlie)

    response = client.post(f"/accounts/api-tokens/{token.pk}/revoke/")

    token.refresh_from_db()
    assert response.status_code == 404
    assert token.revoked_at is None


def test_token_needs_a_name(client, user):
    client.force_login(user)

    response = client.post("/accounts/api-tokens/", {"name": ""})

    assert response.status_code == 400
    assert ApiToken.objects.exists() is False


def test_profile_links_to_the_tokens(client, user):
    client.force_login(user)

    html = client.get("/accounts/profile/").content.decode()

    assert 'href="/accounts/api-tokens/"' in html


def test_deleting_the_account_revokes_its_tokens(client, user):
    token, raw = ApiToken.issue(user=user, name="script")
    client.force_login(user)

    client.post("/accounts/profile/delete/", {"confirm": "on"})
    api = client.get("/api/v1/polls", headers={"Authorization": f"Bearer {raw}"})

    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api.status_code == 401
