import pytest

from tests.events.helpers import DOMAIN, SECRET


@pytest.fixture
def inbound(settings):
    """Calendar replies set up: reply addresses on DOMAIN, the webhook's SECRET."""
    settings.INBOUND_EMAIL_DOMAIN = DOMAIN
    settings.INBOUND_PARSE_SECRET = SECRET
