"""The address rule forms use is the one SendGrid (here: the fake) applies."""

import pytest
from django.core.exceptions import ValidationError

from notifications.addresses import validate_deliverable_email
from tests.fakes.sendgrid_server import sendgrid_accepts

ADDRESSES = [
    ("ada@example.org", True),
    ("A.B+tag@Example.ORG", True),
    ("o'brien@example.ie", True),
    ("x@sub.example.co.uk", True),
    ("a@münchen.de", True),
    ("x" * 64 + "@example.org", True),
    ('"a@b"@example.org', False),
    ('"ann"@example.org', False),
    ("ann@localhost", False),
    ("ann@[192.0.2.1]", False),
    ("a..b@example.org", False),
    (".a@example.org", False),
    ("a.@example.org", False),
    ("x" * 65 + "@example.org", False),
    (
        "a@" + "d" * 60 + "." + "e" * 60 + "." + "f" * 60 + "." + "g" * 70 + ".org",
        False,
    ),
    ("ü@example.org", False),
    ("a b@example.org", False),
    ("a@exa_mple.org", False),
    ("a@-example.org", False),
]


def _ours(address: str) -> bool:
    try:
        validate_deliverable_email(address)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("address,deliverable", ADDRESSES)
def test_input_rule_matches_what_sendgrid_accepts(address, deliverable):
    assert (_ours(address), sendgrid_accepts(address)) == (deliverable, deliverable)
