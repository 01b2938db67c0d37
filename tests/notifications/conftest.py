"""Fixtures for the delivery engine: a fake SendGrid on a local port.

The sender talks to the fake with the real `sendgrid` client over HTTP; only
the host and key in settings point elsewhere.
"""

import socket

import pytest

from tests.fakes.sendgrid_server import fake_sendgrid_fixture

fake_sendgrid = fake_sendgrid_fixture(hang_seconds=2.0)


@pytest.fixture
def sendgrid(settings, fake_sendgrid):
    """Settings that send through the fake; returns the fake."""
    settings.SENDGRID_API_KEY = fake_sendgrid.api_key
    settings.SENDGRID_API_HOST = fake_sendgrid.url
    settings.SENDGRID_TIMEOUT = 0.5
    # SendGrid (and the fake) refuse a sender address without a real domain.
    settings.DEFAULT_FROM_EMAIL = "meetings <noreply@meetings.test>"
    return fake_sendgrid


@pytest.fixture
def unused_port():
    """A local port nothing listens on: connecting to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
