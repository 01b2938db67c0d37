"""Bad input into any form answers with a refusal, never a 5xx, and writes nothing.

The forms are found, not listed: every page of the permission matrix is opened
as each role the matrix lets see it, and every <form> on it is filled in as a
browser would, then sent again and again with one field set to a value of a
battery of bad input (empty, 10,000 characters, NUL, control characters,
right-to-left text, emoji, invalid and far dates, huge numbers, an unknown time
zone; a number, date, address or choice field gets the values that matter for
its kind). The role sending a form is the first of owner, member, outsider,
visitor and staff whose page shows it. A form without fields (a button), and a
POST row of the matrix whose form no page shows, gets the values in every field
name seen anywhere at once.

Each submission runs in a savepoint that is rolled back, so each one meets the
same world. A submission counts as rejected when it answers 4xx, re-renders a
bound form with errors, or redirects with an error message; a rejected one must
leave the row count of every table as it was, and the page an accepted one
redirects to must answer without a 5xx.

The forms are shared out between PARTS tests, so test workers run them side
by side; each part finds every form and sends its share, balanced by the
number of submissions. Run with -s to see the totals of each part.
"""

from __future__ import annotations

import copy
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.contrib import messages
from django.db import connection, transaction
from django.forms import BaseForm
from django.test import Client

from tests.factories import ParticipantFactory, RouletteSettingsFactory
from tests.test_permissions import MATRIX, world  # noqa: F401 (a fixture)

BAD_VALUES = {
    "empty": "",
    "10,000 characters": "x" * 10_000,
    "NUL": "a\x00b",
    "control characters": "\x1b[2J\x07\x08\x7f\x9b",
    "right-to-left": "\u202eשלום עולם\u202c مرحبا",
    "emoji": "🦀👩‍💻🏳️‍🌈",
    "invalid date": "2030-02-30T25:61",
    "far future": "9999-12-31T23:59",
    "far past in Tokyo": "0001-01-01T00:00",
    "huge number": "9" * 40,
    "negative number": "-1",
    "overflowing float": "1e309",
    "unknown time zone": "Mars/Olympus_Mons",
}
# A field that only takes numbers, times, addresses or one of its choices gets
# the values that can reach a different code path there; text and hidden
# fields get them all.
_CHOICE = ["NUL", "emoji", "huge number"]
_ADDRESS = ["empty", "10,000 characters", "NUL", "control characters",
            "right-to-left", "emoji"]  # fmt: skip
# Free text gets every value but the two only a number field reads differently.
_TEXT = [v for v in BAD_VALUES if v not in ("negative number", "overflowing float")]
KIND_VALUES = {
    "text": _TEXT, "textarea": _TEXT,
    "number": ["empty", "NUL", "10,000 characters", "huge number", "negative number",
               "overflowing float"],
    "datetime-local": ["empty", "NUL", "invalid date", "far future", "far past in Tokyo"],
    "email": _ADDRESS, "url": _ADDRESS,
    "checkbox": _CHOICE, "radio": _CHOICE, "select": _CHOICE, "button": _CHOICE,
}  # fmt: skip
# What a form with no fields of its own (a button) gets in every field name seen
# anywhere; a POST row of the matrix whose form no page shows gets every value.
GUESSED = ["NUL", "10,000 characters", "huge number"]
# The order in which roles are tried for a form: the most privileged person who
# is not staff sees (and may send) the most forms.
ROLE_ORDER = ["owner", "member", "outsider", "visitor", "staff"]
SKIP_FIELDS = {"csrfmiddlewaretoken"}
# The number of tests the forms are shared out between (1,458 submissions in
# all when this was written).
PARTS = 2


@dataclass
class FormSpec:
    role: str
    method: str
    action: str
    page: str | None  # None: no page shows this form
    baseline: dict[str, list[str]] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)


class _FormParser(HTMLParser):
    """Every <form> of a page: its fields and what a browser would send."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"method": (a.get("method") or "get").lower(),
                          "action": a.get("action") or "", "sent": [], "names": [], "kinds": {}}  # fmt: skip
            self.forms.append(self._form)
            return
        if self._form is None or (tag != "option" and not a.get("name")):
            return
        name = a.get("name")
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            self._add(name, kind)
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form["sent"].append((name, a.get("value", "on")))
            elif kind not in ("submit", "button", "reset", "image", "file"):
                self._form["sent"].append((name, a.get("value", "")))
        elif tag == "button":
            self._add(name, "button")  # sent only when pressed: not in the baseline
        elif tag == "select":
            self._add(name, "select")
            self._select = {"name": name, "options": [], "selected": []}
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select["options"].append(value)
            if "selected" in a:
                self._select["selected"].append(value)
        elif tag == "textarea":
            self._add(name, "textarea")
            self._textarea = [name, ""]

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None:
            chosen = self._select["selected"] or self._select["options"][:1]
            self._form["sent"] += [(self._select["name"], v) for v in chosen]
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._form["sent"].append(tuple(self._textarea))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def _add(self, name, kind):
        if name not in self._form["names"] and name not in SKIP_FIELDS:
            self._form["names"].append(name)
            self._form["kinds"][name] = kind


def _discover(clients, params) -> list[FormSpec]:
    found: dict[tuple, FormSpec] = {}
    for role in ROLE_ORDER:
        for method, url, expected in MATRIX:
            if method != "get" or expected[role] != 200:
                continue
            if role == "staff" and expected["owner"] == 200:
                continue  # the owner's page shows the same forms
            page = url.format(**params)
            response = clients[role].get(page)
            if "text/html" not in response.get("Content-Type", ""):
                continue
            parser = _FormParser()
            parser.feed(response.content.decode())
            for form in parser.forms:
                action = form["action"] or page
                key = (
                    form["method"],
                    urlsplit(action).path,
                    tuple(sorted(form["names"])),
                )
                if key in found:
                    continue
                baseline: dict[str, list[str]] = {}
                for name, value in form["sent"]:
                    baseline.setdefault(name, []).append(value)
                found[key] = FormSpec(
                    role,
                    form["method"],
                    action,
                    page,
                    baseline,
                    form["names"],
                    form["kinds"],
                )
    return list(found.values())


def _undiscovered(specs, params) -> list[FormSpec]:
    """POST rows no page showed a form for, sent by a role the matrix allows
    (the member first: in this world only they take part in coffee roulette)."""
    shown = {urlsplit(s.action).path for s in specs if s.method == "post"}
    extra = []
    for method, url, expected in MATRIX:
        path = url.format(**params)
        if method != "post" or path in shown:
            continue
        allowed = [r for r in ("member", "owner", "outsider", "staff")
                   if expected[r] not in (403, 404)]  # fmt: skip
        if allowed:
            extra.append(FormSpec(allowed[0], "post", path, None))
    return extra


def _rejected(response) -> bool:
    if response.status_code >= 400:
        return True
    if response.status_code == 200:
        for context in response.context or []:
            for value in context.flatten().values():
                if isinstance(value, BaseForm) and value.is_bound and value.errors:
                    return True
        return False
    return any(
        m.level >= messages.ERROR for m in messages.get_messages(response.wsgi_request)
    )


@dataclass
class Outcome:
    status: int  # the worse of the answer and, when accepted, its redirect target
    rejected: bool
    changed: list[str]  # tables whose row count a rejected submission changed
    requests: int


class _RowCounts:
    """The row count of every table, in one query."""

    def __init__(self):
        self.tables = sorted(
            connection.introspection.django_table_names(only_existing=True)
        )
        quote = connection.ops.quote_name
        self.sql = "SELECT " + ", ".join(
            f"(SELECT COUNT(*) FROM {quote(t)})" for t in self.tables
        )
        # Every submission is rolled back, so each one starts from these.
        self.baseline = self._counts()

    def _counts(self):
        with connection.cursor() as cursor:
            cursor.execute(self.sql)
            return cursor.fetchone()

    def changed(self) -> list[str]:
        now = self._counts()
        return [
            t for t, b, a in zip(self.tables, self.baseline, now, strict=True) if a != b
        ]


def _submit(client, spec: FormSpec, data: dict, counts: _RowCounts) -> Outcome:
    """Send one submission in a savepoint that is rolled back afterwards."""
    cookies = copy.deepcopy(client.cookies)
    client.cookies.pop("messages", None)  # so only this response's messages show
    with transaction.atomic():
        send = client.post if spec.method == "post" else client.get
        response = send(spec.action, data)
        outcome = Outcome(response.status_code, False, [], 1)
        if outcome.status < 500 and _rejected(response):
            outcome.rejected, outcome.changed = True, counts.changed()
        elif outcome.status in (301, 302, 303) and response.url.startswith("/"):
            # An accepted value must not break the page it leads to either
            # (an event ending in 9999 was saved, then its page answered 500).
            followed = client.get(response.url).status_code
            outcome.status, outcome.requests = max(outcome.status, followed), 2
        transaction.set_rollback(True)
    # Signing out (or a rejected session) must not change who sends the next one.
    client.cookies = cookies
    return outcome


def _variants(spec: FormSpec, guessed_names: list[str]):
    """One field bad, the rest as the page filled them in; for a form without
    fields, or one no page shows, every field name seen anywhere bad at once."""
    if spec.page is None or not spec.names:
        for label in GUESSED if spec.page else BAD_VALUES:
            bad = BAD_VALUES[label]
            yield (
                "every field",
                label,
                {**spec.baseline, **{n: [bad] for n in guessed_names}},
            )
        return
    for name in spec.names:
        for label in KIND_VALUES.get(spec.kinds.get(name), BAD_VALUES):
            yield name, label, {**spec.baseline, name: [BAD_VALUES[label]]}


def _share(specs: list[FormSpec], guessed_names: list[str], part: int):
    """This part's forms: the ones with the most submissions first, each to the
    part with the fewest so far, so every form is sent by exactly one part."""
    loads = [0] * PARTS
    mine = []
    sizes = [(len(list(_variants(s, guessed_names))), i) for i, s in enumerate(specs)]
    for size, index in sorted(sizes, key=lambda x: (-x[0], x[1])):
        lightest = loads.index(min(loads))
        loads[lightest] += size
        if lightest == part:
            mine.append(specs[index])
    return mine


@pytest.fixture
def fuzz_world(world):  # noqa: F811
    """The matrix's world with coffee roulette on and the member taking part,
    so the roulette forms (join, leave, skip, free times, blocks) show."""
    from groups.models import Group, Membership

    group = Group.objects.get(slug=world["slug"])
    RouletteSettingsFactory(group=group)
    member = world["people"]["member"]
    ParticipantFactory(membership=Membership.objects.get(group=group, user=member),
                       availability="1" * (7 * 48))  # fmt: skip
    return world


def _clients(world) -> dict[str, Client]:  # noqa: F811
    clients = {}
    for role, person in world["people"].items():
        clients[role] = Client(raise_request_exception=False)
        if person is not None:
            clients[role].force_login(person)
    return clients


@pytest.mark.parametrize("part", range(PARTS), ids=lambda p: f"part {p + 1}")
@pytest.mark.django_db
def test_bad_input_never_answers_5xx_and_rejected_forms_write_nothing(fuzz_world, part):
    params = {k: v for k, v in fuzz_world.items() if k != "people"}
    clients = _clients(fuzz_world)
    specs = _discover(clients, params)
    specs += _undiscovered(specs, params)
    guessed_names = sorted({n for s in specs for n in s.names})
    specs = _share(specs, guessed_names, part)
    counts = _RowCounts()
    totals, server_errors, writes = Counter(), [], []
    started, cpu = time.monotonic(), time.process_time()
    quiet = logging.getLogger("django.request")
    level, quiet.level = quiet.level, logging.ERROR  # 4xx are expected here
    try:
        for spec in specs:
            for name, label, data in _variants(spec, guessed_names):
                outcome = _submit(clients[spec.role], spec, data, counts)
                where = (spec.role, spec.action, name, label, outcome.status)
                totals.update(requests=outcome.requests, submissions=1,
                              rejected=outcome.rejected, fivexx=outcome.status >= 500)  # fmt: skip
                if outcome.status >= 500:
                    server_errors.append(where)
                elif outcome.changed:
                    writes.append((*where, outcome.changed))
    finally:
        quiet.level = level

    print(
        f"\nfuzz, part {part + 1} of {PARTS}: "
        f"{totals['submissions']} bad submissions to {len(specs)} forms "
        f"({totals['requests']} requests with the redirects followed) as "
        f"{len({s.role for s in specs})} roles; {totals['rejected']} rejected; "
        f"5xx: {totals['fivexx']}; rejected submissions that wrote rows: "
        f"{len(writes)}; {time.monotonic() - started:.1f} s "
        f"({time.process_time() - cpu:.1f} s CPU)"
    )
    for failure in (server_errors + writes)[:20]:
        print("  ", failure)
    assert server_errors == []
    assert writes == []
