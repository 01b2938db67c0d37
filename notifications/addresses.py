"""Which email addresses we accept: the ones SendGrid will take.

Django's `validate_email` follows the RFC and so accepts quoted local parts
(`"a@b"@example.org`), address literals (`a@[192.0.2.1]`), single-label
domains and local parts over 64 octets, which SendGrid refuses with a 400.
Every form, API and command that takes an address someone typed uses this
stricter rule instead, which is SendGrid's published syntax: a local part of
letters, digits and ``!#$%&'*+-/=?^_`{|}~`` with single inner dots, at most
64 octets; a domain name with a dot; 254 octets in all.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy

# RFC 5322 dot-atom, ASCII only: no quotes, no backslashes, no spaces.
_LOCAL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
)
MESSAGE = gettext_lazy(
    "Enter an address email can be delivered to, like ada@example.org."
)


def validate_deliverable_email(value: str) -> None:
    """Django's check, then SendGrid's: plain local part, a domain name with a dot."""
    validate_email(value)
    local, _, domain = value.rpartition("@")
    if (
        not _LOCAL.fullmatch(local)
        or len(local) > 64
        or domain.startswith("[")
        or "." not in domain.strip(".")
    ):
        raise ValidationError(MESSAGE, code="invalid")
    try:
        ascii_domain = domain.encode("idna")
    except UnicodeError as error:
        raise ValidationError(MESSAGE, code="invalid") from error
    if len(local) + 1 + len(ascii_domain) > 254:
        raise ValidationError(MESSAGE, code="invalid")
