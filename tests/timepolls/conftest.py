"""Fixtures for find-a-time: a poll by Olga (owner of Rust Berlin) with Mo (a
member, signed-in party) and Gus (an address without an account)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from accounts.models import ApiToken
from timepolls import services
from timepolls.audit import Actor
from timepolls.models import PartyLink


def next_week(hour: int) -> datetime:
    day = (timezone.now() + timedelta(days=7)).date()
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


@pytest.fixture
def poll(owner, member):
    return services.poll_create(
        organiser=owner,
        actor=Actor(user=owner),
        title="Planning call",
        duration_minutes=60,
        tz="Europe/Berlin",
        times=[next_week(8), next_week(9), next_week(10)],
        parties=[
            services.PartySpec("mo@example.org", "Mo Member", "Asia/Tokyo"),
            services.PartySpec("gus@example.net", "Gus Guest", "America/New_York"),
        ],
    )


@pytest.fixture
def parties(poll):
    """{"olga": organiser's party, "mo": member's, "gus": guest's}."""
    rows = {p.email.split("@")[0]: p for p in poll.parties.all()}
    return {"olga": rows["olga"], "mo": rows["mo"], "gus": rows["gus"]}


@pytest.fixture
def times(poll):
    return list(poll.times.order_by("start"))


@pytest.fixture
def gus_link(parties):
    """The raw token of a working link for Gus."""
    _, raw = PartyLink.issue(party=parties["gus"])
    return raw


@pytest.fixture
def api_token():
    def make(user) -> str:
        return ApiToken.issue(user=user, name="script")[1]

    return make


def answer_all(poll, party, choices):
    """Record `choices` (a list in time order) for `party` as that party."""
    ordered = list(poll.times.order_by("start"))
    return services.answers_set(
        poll=poll,
        party=party,
        actor=Actor(party=party),
        choices={t.pk: c for t, c in zip(ordered, choices, strict=True)},
    )
