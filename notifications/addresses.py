"""Which email addresses we accept: the ones SendGrid will take.

Django's `validate_email` follows the RFC and so accepts quoted local parts
(`"a@b"@example.org`) and single-label domains that SendGrid refuses with a
400, which would fail a whole batch of a thousand recipients. Forms and
commands that take an address for mailing use this stricter rule instead.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

# RFC 5322 dot-atom, ASCII only: no quotes, no backslashes, no spaces.
_LOCAL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
)
MESSAGE = "Enter an address email can be delivered to, like ada@example.org."


def validate_deliverable_email(value: str) -> None:
    """Django's check, then a plain local part and a domain with a dot."""
    validate_email(value)
    local, _, domain = value.rpartition("@")
    if not _LOCAL.fullmatch(local) or "." not in domain.strip("."):
        raise ValidationError(MESSAGE, code="invalid")
    try:
        domain.encode("idna")
    except UnicodeError as error:
        raise ValidationError(MESSAGE, code="invalid") from error
