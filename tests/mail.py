"""Reading what the product emailed, as a person reading their inbox would."""

import re

from django.core import mail

LINK = re.compile(r"https?://\S+")


def links_in(message) -> list[str]:
    return LINK.findall(message.body)


def only_message_to(address: str):
    found = [m for m in mail.outbox if address in m.to]
    assert len(found) == 1, [(m.to, m.subject) for m in mail.outbox]
    return found[0]


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)
