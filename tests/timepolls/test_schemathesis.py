"""Property-based API tests: schemathesis generates requests from the OpenAPI
description the code produces and sends them through Django in-process.

Every operation is called with a valid organiser token against a real poll
(and with random ids, bodies and parameters); no answer may be a server error.
"""

import json

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from accounts.models import ApiToken
from timepolls import services
from timepolls.api import api
from timepolls.audit import Actor

from .conftest import next_week

# The same description /api/v1/openapi.json serves (a test below checks that).
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1"))


@pytest.fixture
def app(db, settings):
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    settings.API_RATE_LIMIT = 100000
    # As Django's test client does: requests must not close the connection that
    # holds the test's transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        # A handler built now sees the test settings (middleware reads them once).
        yield WSGIHandler()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def organiser_token(db):
    from tests.factories import UserFactory

    organiser = UserFactory(email="fuzz@example.org")
    services.poll_create(
        organiser=organiser, actor=Actor(user=organiser), title="Fuzzed",
        duration_minutes=30, times=[next_week(9), next_week(10)],
        parties=[services.PartySpec("p@example.net", "P", "UTC")],
    )  # fmt: skip
    return ApiToken.issue(user=organiser, name="fuzz")[1]


def test_served_description_is_the_one_tested(client):
    served = client.get("/api/v1/openapi.json").json()

    assert served == json.loads(
        json.dumps(api.get_openapi_schema(path_prefix="/api/v1"))
    )


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_never_answers_with_a_server_error(case, app, organiser_token):
    case.call_and_validate(
        app=app,
        headers={"Authorization": f"Bearer {organiser_token}"},
        checks=[not_a_server_error],
    )
