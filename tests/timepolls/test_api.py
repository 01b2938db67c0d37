import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from accounts.models import ApiToken
from tests.factories import UserFactory
from timepolls.models import AuditEntry, Poll

from .conftest import next_week

ROLES = ["organiser", "party_token", "party_link", "other", "visitor"]


@pytest.fixture
def bearer(poll, owner, member, charlie, gus_link, api_token):
    return {
        "organiser": api_token(owner),
        "party_token": api_token(member),
        "party_link": gus_link,
        "other": api_token(charlie),
        "visitor": None,
    }


def call(client, method, url, token=None, body=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    kwargs = {"content_type": "application/json", "headers": headers}
    if body is not None:
        kwargs["data"] = json.dumps(body)
    return getattr(client, method)(url, **kwargs)


def _create_body():
    return {
        "title": "API poll",
        "duration_minutes": 30,
        "times": [next_week(9).isoformat()],
        "parties": ["Zed <zed@example.net>"],
    }


# (name, method, url, body, {role: status})
MATRIX = [
    ("list", "get", "/api/v1/polls", None, [200, 200, 200, 200, 401]),
    ("create", "post", "/api/v1/polls", _create_body, [201, 201, 403, 201, 401]),
    ("detail", "get", "/api/v1/polls/{poll}", None, [200, 200, 200, 404, 401]),
    ("times", "patch", "/api/v1/polls/{poll}/times",
     lambda: {"version": 1, "add": [next_week(15).isoformat()]}, [200, 403, 403, 404, 401]),
    ("answers", "put", "/api/v1/polls/{poll}/answers",
     lambda: {"version": 1, "answers": []}, [200, 200, 200, 404, 401]),
    ("notify", "post", "/api/v1/polls/{poll}/notify", lambda: {}, [200, 403, 403, 404, 401]),
    ("agree", "post", "/api/v1/polls/{poll}/agree", None, [200, 403, 403, 404, 401]),
    ("cancel", "post", "/api/v1/polls/{poll}/cancel", lambda: {"version": 1}, [200, 403, 403, 404, 401]),
    ("log", "get", "/api/v1/polls/{poll}/log", None, [200, 200, 200, 404, 401]),
]  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "name,method,url,body,expected", MATRIX, ids=[m[0] for m in MATRIX]
)
def test_api_role_matrix(
    client, poll, times, bearer, role, name, method, url, body, expected
):
    if name == "agree":
        body = lambda: {"version": 1, "time_id": times[0].pk}  # noqa: E731

    response = call(
        client, method, url.format(poll=poll.pk), bearer[role], body() if body else None
    )

    assert response.status_code == expected[ROLES.index(role)], response.content


def test_session_cookie_does_not_authenticate_the_api(client, poll, owner):
    client.force_login(owner)

    response = call(
        client, "post", f"/api/v1/polls/{poll.pk}/cancel", body={"version": 1}
    )

    assert response.status_code == 401
    assert Poll.objects.get().status == "open"


def test_detail_shows_tally_in_the_callers_zone_and_logs_a_view(
    client, poll, bearer, times
):
    response = call(client, "get", f"/api/v1/polls/{poll.pk}", bearer["party_token"])

    data = response.json()
    assert data["zone"] == "Asia/Tokyo"
    assert data["times"][0]["local_start"].endswith("+09:00")
    assert [p["email"] for p in data["parties"]] == [None, None, None]
    entry = AuditEntry.objects.get(action="viewed")
    assert (entry.via, entry.actor_kind) == ("api", "token")


def test_organiser_sees_addresses(client, poll, bearer):
    data = call(client, "get", f"/api/v1/polls/{poll.pk}", bearer["organiser"]).json()

    assert sorted(p["email"] for p in data["parties"]) == [
        "gus@example.net",
        "mo@example.org",
        "olga@example.org",
    ]


def test_answer_with_link_token_then_a_stale_version_gets_412(
    client, poll, bearer, times
):
    body = {
        "version": 1,
        "answers": [{"time_id": times[0].pk, "choice": "yes"}],
        "comment": "ok",
    }
    first = call(
        client, "put", f"/api/v1/polls/{poll.pk}/answers", bearer["party_link"], body
    )
    call(client, "patch", f"/api/v1/polls/{poll.pk}/times", bearer["organiser"],
         {"version": 1, "remove": [times[2].pk]})  # fmt: skip

    second = call(
        client, "put", f"/api/v1/polls/{poll.pk}/answers", bearer["party_link"], body
    )

    assert first.status_code == 200
    assert first.json()["my_answers"] == {str(times[0].pk): "yes"}
    assert second.status_code == 412
    assert second.json()["code"] == "stale"
    assert AuditEntry.objects.filter(action="answered").count() == 1


def test_organiser_answers_for_a_party_by_phone(client, poll, bearer, times, parties):
    body = {"version": 1, "party_id": parties["gus"].pk,
            "answers": [{"time_id": times[0].pk, "choice": "no"}]}  # fmt: skip

    response = call(
        client, "put", f"/api/v1/polls/{poll.pk}/answers", bearer["organiser"], body
    )

    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="answered")
    assert (entry.actor_label, entry.actor_party_id) == (
        "Olga Owner (API token “script”)",
        parties["gus"].pk,
    )


def test_party_cannot_answer_for_another_party(client, poll, bearer, times, parties):
    body = {"version": 1, "party_id": parties["mo"].pk,
            "answers": [{"time_id": times[0].pk, "choice": "no"}]}  # fmt: skip

    response = call(
        client, "put", f"/api/v1/polls/{poll.pk}/answers", bearer["party_link"], body
    )

    assert response.status_code == 403
    assert AuditEntry.objects.filter(action="answered").exists() is False


def test_agree_a_time_someone_refused_needs_confirm(client, poll, bearer, times):
    call(client, "put", f"/api/v1/polls/{poll.pk}/answers", bearer["party_link"],
         {"version": 1, "answers": [{"time_id": times[0].pk, "choice": "no"}]})  # fmt: skip
    url = f"/api/v1/polls/{poll.pk}/agree"

    refused = call(
        client, "post", url, bearer["organiser"], {"version": 1, "time_id": times[0].pk}
    )
    agreed = call(client, "post", url, bearer["organiser"],
                  {"version": 1, "time_id": times[0].pk, "confirm": True})  # fmt: skip

    assert (refused.status_code, refused.json()["code"]) == (409, "needs_confirmation")
    assert agreed.status_code == 200
    assert agreed.json()["status"] == "agreed"
    assert agreed.json()["version"] == 2


def test_revoked_link_token_is_refused_and_logged(client, poll, bearer, owner, parties):
    call(
        client,
        "post",
        f"/api/v1/polls/{poll.pk}/cancel",
        bearer["organiser"],
        {"version": 1},
    )

    response = call(client, "get", f"/api/v1/polls/{poll.pk}", bearer["party_link"])

    assert response.status_code == 401
    assert AuditEntry.objects.get(action="link_rejected").via == "api"


def test_revoked_api_token_is_refused(client, poll, owner):
    token, raw = ApiToken.issue(user=owner, name="old")
    token.revoked_at = token.created_at
    token.save()

    assert call(client, "get", "/api/v1/polls", raw).status_code == 401


def test_create_with_slots_and_notify(client, owner, bearer, committing):
    day = next_week(0).date()
    body = {**_create_body(), "times": [], "timezone": "UTC", "notify": True,
            "slots": {"start": f"{day}T09:00", "end": f"{day}T11:00", "interval_minutes": 30}}  # fmt: skip

    with committing():
        response = call(client, "post", "/api/v1/polls", bearer["organiser"], body)

    data = response.json()
    assert response.status_code == 201
    assert [
        t["local_start"] for t in sorted(data["times"], key=lambda t: t["start"])
    ] == [
        f"{day}T09:00+00:00",
        f"{day}T09:30+00:00",
        f"{day}T10:00+00:00",
        f"{day}T10:30+00:00",
    ]
    from io import StringIO

    from django.core import mail
    from django.core.management import call_command

    call_command("send_mail_queue", "--once", stdout=StringIO())
    assert [m.to for m in mail.outbox] == [["zed@example.net"]]


def test_create_explains_bad_input(client, bearer):
    body = {**_create_body(), "times": ["yesterday"], "timezone": "Nowhere/Land"}

    response = call(client, "post", "/api/v1/polls", bearer["organiser"], body)

    assert response.status_code == 422
    assert response.json() == {
        "detail": "“Nowhere/Land” is not a known time zone.",
        "code": "invalid",
    }


@pytest.mark.parametrize("field", ["group", "title", "location", "timezone"])
def test_create_refuses_a_nul_character(client, bearer, field):
    body = {**_create_body(), field: "a\u0000b"}

    response = call(client, "post", "/api/v1/polls", bearer["organiser"], body)

    assert response.status_code == 422
    assert "Control characters are not allowed." in response.json()["detail"]
    assert Poll.objects.filter(title="API poll").exists() is False


def test_create_refuses_a_line_break_in_the_title(client, bearer):
    body = {**_create_body(), "title": "API\npoll", "description": "two\nlines"}

    response = call(client, "post", "/api/v1/polls", bearer["organiser"], body)

    assert response.status_code == 422
    assert response.json()["detail"].endswith("Control characters are not allowed.")
    assert Poll.objects.filter(title__startswith="API").exists() is False


def test_list_is_paginated(client, owner, bearer, poll):
    for n in range(3):
        call(
            client,
            "post",
            "/api/v1/polls",
            bearer["organiser"],
            {**_create_body(), "title": f"P{n}"},
        )

    page = call(
        client, "get", "/api/v1/polls?page=2&page_size=3", bearer["organiser"]
    ).json()

    assert (page["count"], page["page"]) == (4, 2)
    assert [p["title"] for p in page["items"]] == ["Planning call"]


def test_log_lists_entries_newest_first(client, poll, bearer):
    call(client, "get", f"/api/v1/polls/{poll.pk}", bearer["party_link"])

    data = call(
        client, "get", f"/api/v1/polls/{poll.pk}/log?page_size=1", bearer["party_link"]
    ).json()

    assert data["count"] == 2
    assert [(e["action"], e["via"], e["actor"]) for e in data["items"]] == [
        ("viewed", "api", "Gus Guest (private link)")
    ]


def test_rate_limit_answers_429_with_retry_after(client, poll, bearer, settings):
    settings.API_RATE_LIMIT = 2

    codes = [
        call(client, "get", "/api/v1/polls", bearer["organiser"]).status_code
        for _ in range(3)
    ]
    last = call(client, "get", "/api/v1/polls", bearer["organiser"])

    assert codes == [200, 200, 429]
    assert last["Retry-After"] == "30"


def test_failed_tokens_are_rate_limited_per_address(client, db):
    codes = [
        call(client, "get", "/api/v1/polls", "mtg_wrong").status_code for _ in range(31)
    ]

    assert codes[:30] == [401] * 30
    assert codes[30] == 429


def test_openapi_schema_is_built_once_and_served_the_same_each_time(client):
    from timepolls.api import api

    first = client.get("/api/v1/openapi.json").json()
    docs = client.get("/api/v1/docs/").content.decode()

    assert client.get("/api/v1/openapi.json").json() == first
    # Built once per path prefix (it took 40-70 ms a request), then reused.
    assert api.get_openapi_schema(path_prefix="/api/v1") is api.get_openapi_schema(
        path_prefix="/api/v1"
    )
    assert all(path in docs for path in first["paths"])


def test_openapi_description_is_generated(client):
    schema = client.get("/api/v1/openapi.json").json()

    assert schema["openapi"].startswith("3.")
    assert sorted(schema["paths"]) == [
        "/api/v1/polls",
        "/api/v1/polls/{poll_id}",
        "/api/v1/polls/{poll_id}/agree",
        "/api/v1/polls/{poll_id}/answers",
        "/api/v1/polls/{poll_id}/cancel",
        "/api/v1/polls/{poll_id}/log",
        "/api/v1/polls/{poll_id}/notify",
        "/api/v1/polls/{poll_id}/times",
    ]
    assert schema["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"


def test_docs_page_lists_operations_without_script(client):
    response = client.get("/api/v1/docs/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "PATCH /api/v1/polls/{poll_id}/times" in html
    assert "<script" not in html
    assert "cdn" not in html.lower()
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_other_persons_token_sees_none_of_the_polls(client, poll, bearer):
    data = call(client, "get", "/api/v1/polls", bearer["other"]).json()

    assert (data["count"], data["items"]) == (0, [])


def test_party_token_lists_polls_sent_to_their_address(client, poll, bearer):
    UserFactory()
    data = call(client, "get", "/api/v1/polls", bearer["party_token"]).json()

    assert [(p["title"], p["role"]) for p in data["items"]] == [
        ("Planning call", "party")
    ]


def test_create_refuses_more_than_100_times_in_all(client, bearer):
    from datetime import timedelta

    day = next_week(0).date()
    listed = [
        (next_week(0) + timedelta(days=2, minutes=30 * i)).isoformat()
        for i in range(60)
    ]
    body = {**_create_body(), "times": listed, "timezone": "UTC",
            "slots": {"start": f"{day}T00:00", "end": f"{day}T23:00", "interval_minutes": 30}}  # fmt: skip

    response = call(client, "post", "/api/v1/polls", bearer["organiser"], body)

    assert response.status_code == 422
    assert response.json()["detail"] == "A poll can have at most 100 times."
    assert Poll.objects.count() == 1


def test_create_refuses_a_party_address_sendgrid_would_refuse(client, owner, api_token):
    body = {**_create_body(), "parties": ['"a@b"@example.org']}

    response = call(client, "post", "/api/v1/polls", api_token(owner), body)

    assert response.status_code == 422
    assert response.json() == {
        "detail": 'Not an email address: "a@b"@example.org.',
        "code": "invalid",
    }
    assert Poll.objects.exists() is False


def test_create_takes_iso_8601_times_with_an_offset_a_zone_or_neither(client, bearer):
    day = next_week(0).date()
    listed = [f"{day}T10:00+02:00", f"{day}T10:00[Asia/Tokyo]", f"{day}T10:00"]
    body = {**_create_body(), "times": listed, "timezone": "America/New_York"}

    response = call(client, "post", "/api/v1/polls", bearer["organiser"], body)

    at_ten = datetime(day.year, day.month, day.day, 10, 0)
    assert response.status_code == 201
    created = Poll.objects.get(pk=response.json()["id"])
    assert [t.start for t in created.times.all()] == [
        at_ten.replace(tzinfo=ZoneInfo("Asia/Tokyo")),
        at_ten.replace(tzinfo=timezone(timedelta(hours=2))),
        at_ten.replace(tzinfo=ZoneInfo("America/New_York")),
    ]
