"""Every page and email is valid HTML (Nu Html Checker) and passes axe-core.

The pages are every GET row of the permission matrix, as every role that can
open it (error pages included), plus the pages the matrix cannot reach: private
links, forms showing errors, the results of POSTs. Rows added to the matrix by
later features are checked without changes here.

The whole walk runs twice: in English, and in Hebrew (right to left), where
the browser's Accept-Language asks for it. The Hebrew walk leaves out the
dark-theme contrast pass, whose colours do not depend on the direction.
"""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.test import RequestFactory
from django.utils import timezone, translation

from accounts import services as accounts_services
from accounts.models import LoginToken
from comments import services as comment_services
from core.errors import server_error
from core.images import process
from events import services as event_services
from events.forms import CoverForm
from events.models import Event, Rsvp
from events.recurrence import Rule
from groups.models import Group
from mailings import services as mail_services
from mailings.models import Mailing
from notifications import email as emails
from notifications.models import Delivery, Message
from notifications.unsubscribe import make_token
from tests.e2e.checkers import Viewer, axe_violations, nu_errors, parts
from tests.factories import EventFactory, RsvpFactory
from tests.images import image_bytes, upload
from tests.test_permissions import MATRIX, ROLES, world  # noqa: F401 (a fixture)

pytestmark = pytest.mark.e2e


def _matrix_pages(client, world):  # noqa: F811
    params = {k: v for k, v in world.items() if k != "people"}
    for role in ROLES:
        client.logout()
        if world["people"][role] is not None:
            client.force_login(world["people"][role])
        for method, url, expected in MATRIX:
            if method != "get" or expected[role] in (301, 302, 405):
                continue
            path = url.format(**params)
            yield f"{role} GET {path}", path, client.get(path), expected[role]


def _extra_pages(client, world):  # noqa: F811
    """Pages behind private links, forms with errors and POST results."""
    people, slug, pk = world["people"], world["slug"], world["event"]
    comment = world["comment"]
    member, owner = people["member"], people["owner"]
    group = Group.objects.get(slug=slug)
    event = EventFactory(group=group, title="Full house", capacity=1)
    RsvpFactory(event=event, user=owner)
    RsvpFactory(event=event, user=member, status="waitlisted")
    cancelled = EventFactory(
        group=event.group, status="cancelled", cancel_message="Ill"
    )
    past = EventFactory(
        group=event.group,
        start=timezone.now() - timedelta(days=30),
        end=timezone.now() - timedelta(days=30, hours=-2),
    )
    RsvpFactory(event=past, user=member)
    signin = LoginToken.issue(
        user=member, purpose="signin", minutes=15, intent=f"rsvp:{pk}:attending"
    )
    change = LoginToken.issue(
        user=member, purpose="email_change", minutes=15, new_email="new@example.org"
    )
    draft = Mailing.objects.create(
        group=event.group,
        event=event,
        audience="attending",
        subject="See you *soon*",
        body="# Agenda\n\n- talks\n- [pizza](https://example.org)",
        author=owner,
    )
    queued = Mailing.objects.create(
        group=event.group, audience="members", subject="News", body="Hi", author=owner
    )
    mail_services.mailing_queue(mailing=queued)
    delivery = Delivery.objects.filter(message=queued.message, user=member).get()
    unsubscribe = f"/unsubscribe/{make_token(delivery.pk)}/"

    grid, grid_link = _poll_with_answers(owner, member)
    rows = {"time-TOTAL_FORMS": "3", "time-INITIAL_FORMS": "0",
            "time-0-date": "2001-01-01", "time-0-start": "10:00",
            "time-1-date": f"{timezone.now().year + 1}-06-01"}  # fmt: skip

    pages = [
        (owner, "get", f"/polls/{grid.pk}/", {}, 200),
        (None, "get", f"/p/{grid_link}/", {}, 200),
        (owner, "post", "/polls/new/", {"title": "", **rows}, 400),
        (owner, "post", "/polls/new/", {"title": "Call", **rows, "add_row": "1"}, 200),
        (None, "get", f"/accounts/link/{signin}/", {}, 200),
        (None, "get", "/accounts/link/not-a-token/", {}, 400),
        (None, "post", "/accounts/signup/", {"name": "", "email": "x"}, 200),
        (None, "post", "/accounts/signin/", {"email": "not an address"}, 200),
        (None, "get", unsubscribe, {}, 200),
        (None, "post", unsubscribe, {}, 200),
        (None, "get", "/unsubscribe/forged/", {}, 400),
        (member, "get", f"/accounts/profile/email/{change}/", {}, 200),
        (member, "post", "/accounts/profile/", {"name": "", "timezone": "Mars"}, 200),
        (member, "post", "/accounts/profile/email/", {"email": "nope"}, 400),
        (member, "post", "/accounts/profile/delete/", {}, 400),
        (member, "post", "/calendar/regenerate/", {}, 200),
        (member, "get", event.get_absolute_url(), {}, 200),
        (member, "get", cancelled.get_absolute_url(), {}, 200),
        (member, "get", past.get_absolute_url(), {}, 200),
        (member, "post", f"/groups/{slug}/leave/", {}, 200),
        (owner, "get", f"/events/{event.pk}/attendees/?list=waitlisted", {}, 200),
        (owner, "get", f"/events/{pk}/attendees/?list=not_replied", {}, 200),
        (owner, "post", f"/groups/{slug}/events/new/", {"title": ""}, 200),
        (owner, "post", f"/events/{pk}/cover/", {"alt": ""}, 200),
        (owner, "post", f"/groups/{slug}/logo/", {"alt": "x" * 251}, 200),
        (
            owner,
            "post",
            f"/groups/{slug}/events/new/",
            {"title": "", "repeats": "monthly", "monthly_by": "", "count": "1"},
            200,
        ),
        (owner, "post", f"/events/{world['series_event']}/edit/", {"title": ""}, 200),
        (owner, "post", f"/events/{event.pk}/cancel/", {"message": "x" * 2001}, 200),
        (owner, "post", f"/groups/{slug}/owners/add/", {"email": "a@b.org"}, 400),
        (
            owner,
            "post",
            f"/groups/{slug}/settings/",
            {"name": "Rust", "description": "**Hi**", "timezone": "UTC", "preview": 1},
            200,
        ),
        (owner, "post", f"/groups/{slug}/mailings/new/", {"audience": "x"}, 200),
        (owner, "get", f"/groups/{slug}/mailings/{draft.pk}/", {}, 200),
        (owner, "get", f"/groups/{slug}/mailings/{draft.pk}/edit/", {}, 200),
        (None, "get", "/events/", {"q": "a\x1b", "group": "x", "when": "x"}, 200),
        (None, "get", "/events/", {"q": "nothing matches this"}, 200),
        (None, "get", "/groups/", {"q": "x" * 201}, 200),
        # The member has left the group above: the owner comments.
        (owner, "post", f"/events/{pk}/comments/new/", {"body": ""}, 200),
        (owner, "post", f"/events/{pk}/comments/{comment}/reply/", {}, 200),
        (owner, "post", f"/events/{pk}/comments/follow/", {}, 200),
        (owner, "post", f"/events/{pk}/comments/{comment}/hide/", {}, 200),
    ]
    for person, method, path, data, status in pages:
        client.logout()
        if person is not None:
            client.force_login(person)
        response = getattr(client, method)(path, data, follow=method == "post")
        name = person.name if person else "visitor"
        yield f"{name} {method.upper()} {path}", path, response, status
    with translation.override(client.defaults.get("HTTP_ACCEPT_LANGUAGE", "en")):
        yield "500 page", "/", server_error(RequestFactory().get("/")), 500


def _poll_with_answers(owner, member):
    """A poll of four times and four parties with long names, half answered,
    and a private link for the one without an account."""
    from timepolls import services as polls
    from timepolls.audit import Actor
    from timepolls.models import PartyLink

    soon = timezone.now().replace(second=0, microsecond=0) + timedelta(days=3)
    poll = polls.poll_create(
        organiser=owner, actor=Actor(user=owner), title="When shall we meet?",
        duration_minutes=60, tz="Europe/Berlin",
        times=[soon + timedelta(hours=h) for h in range(4)],
        parties=[
            polls.PartySpec(member.email, member.name, "Asia/Tokyo"),
            polls.PartySpec("bart@example.net", "Bartholomew Longname-Fitzgerald", "UTC"),
            polls.PartySpec("cy@example.net", "Cy", "America/New_York"),
        ],
    )  # fmt: skip
    times = list(poll.times.order_by("start"))
    for party, choices in [
        (poll.parties.get(is_organiser=True), ["yes", "maybe", "no", "yes"]),
        (poll.parties.get(email=member.email), ["maybe", "yes", "no", "yes"]),
    ]:
        polls.answers_set(
            poll=poll, party=party, actor=Actor(party=party),
            choices=dict(zip([t.pk for t in times], choices, strict=True)),
        )  # fmt: skip
    _, raw = PartyLink.issue(party=poll.parties.get(email="bart@example.net"))
    return poll, raw


def _axe_problems(
    viewer, label: str, path: str, response, *, dark: bool = True
) -> list[str]:
    """axe's findings, in the dark theme too unless `dark` is off, and
    sideways scrolling on a phone."""
    viewer.show(path, response)
    problems = [f"{label}: axe: {v}" for v in axe_violations(viewer.page)]
    if path.startswith("/admin/"):  # Django's own dark theme, not ours
        return problems
    if dark:
        viewer.page.emulate_media(color_scheme="dark")
        found = axe_violations(viewer.page, rules=["color-contrast"])
        viewer.page.emulate_media(color_scheme="light")
        problems += [f"{label}: axe (dark theme): {v}" for v in found]
    return problems + [f"{label}: {p}" for p in _sideways_on_a_phone(viewer.page)]


PHONE = {"width": 390, "height": 844}


def _sideways_on_a_phone(page) -> list[str]:
    """The page must not scroll sideways at 390 px (tables scroll in their box)."""
    desktop = page.viewport_size
    page.set_viewport_size(PHONE)
    try:
        width = page.evaluate("document.documentElement.scrollWidth")
    finally:
        page.set_viewport_size(desktop)
    if width > PHONE["width"]:
        return [f"scrolls sideways on a phone: {width} px of content in 390 px"]
    return []


def _pages_to_check(client, world):  # noqa: F811
    """(label, path, response) of every page with something not seen before."""
    seen, pages = set(), []
    for label, path, response, expected in [
        *_matrix_pages(client, world),
        *_extra_pages(client, world),
    ]:
        assert response.status_code == expected, label
        if not response["Content-Type"].startswith("text/html"):
            continue
        html = response.content.decode()
        if seen.issuperset(parts(html)):
            continue
        seen.update(parts(html))
        pages.append((label, path, response))
    return pages


SHARDS = 2  # Halves of the same list, so that two test workers share the work.


@pytest.mark.parametrize("language", ["en", "he"], ids=["English", "Hebrew"])
@pytest.mark.parametrize("shard", range(SHARDS), ids=["first half", "second half"])
def test_every_page_is_valid_html_without_serious_axe_violations(
    client,
    world,  # noqa: F811
    new_page,
    tmp_path,
    shard,
    language,
):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    pages = _pages_to_check(client, world)
    assert len(pages) > len(MATRIX)
    if language == "he":
        _assert_right_to_left(pages)
    saved, problems = {}, []
    with Viewer(new_page()) as viewer:
        for label, path, response in pages[shard::SHARDS]:
            dark = language == "en"
            problems += _axe_problems(viewer, label, path, response, dark=dark)
            saved[f"page-{len(saved):03}.html"] = label
            (tmp_path / f"page-{len(saved) - 1:03}.html").write_text(
                response.content.decode()
            )

    for name, errors in nu_errors(sorted(tmp_path.glob("*.html"))).items():
        problems += [f"{saved.get(name, name)}: nu: {error}" for error in errors]

    assert problems == [], "\n".join(problems)


def _assert_right_to_left(pages) -> None:
    """Each page of the Hebrew walk is Hebrew, right to left (the admin's own
    pages aside, which Django translates and lays out itself)."""
    ours = [
        (label, response.content.decode())
        for label, path, response in pages
        if not path.startswith("/admin/")
    ]
    assert [
        label for label, html in ours if '<html lang="he" dir="rtl">' not in html
    ] == []


def _send_every_email(world):  # noqa: F811
    """Cause each kind of email the product sends, the way the product does."""
    people = world["people"]
    member, owner = people["member"], people["owner"]
    event = Event.objects.get(pk=world["event"])
    soon = timezone.now() + timedelta(hours=20)
    with transaction.atomic():
        accounts_services.signin_request(email=member.email)
        accounts_services.signin_request(email="nobody@example.org")
        accounts_services.signup_request(name="Nora New", email="nora@example.org")
        accounts_services.email_change_request(user=member, new_email="mo@new.org")
        # First, so that the announcement checked is a series' (it says more).
        event_services.series_create(
            group=event.group,
            by=owner,
            rule=Rule("weekly", count=3),
            title="Weekly hack night",
            description="",
            start=soon,
            end=soon + timedelta(hours=2),
            timezone="Europe/Berlin",
            venue="",
            online_url="https://meet.example.org/hack",
            capacity=None,
        )
        created = event_services.event_create(
            group=event.group,
            by=owner,
            title="Rust & <WebAssembly>",
            description="Bring a *laptop*.\n\n1. talk\n2. [pizza](https://x.org)",
            start=soon,
            end=soon + timedelta(hours=2),
            timezone="Europe/Berlin",
            venue="c-base",
            online_url="https://meet.example.org/rust",
            capacity=None,
            cover=process(upload(image_bytes((320, 180))), CoverForm.shape),
            cover_alt="Laptops & <pizza> at c-base",
        )
        event_services.rsvp_set(event=created, user=member, choice="attending")
        comment_services.comment_create(
            event=created, author=member, body="Is there **pizza**? <b>Bold?</b>"
        )
        event_services.event_update(
            event=created, by=owner, start=soon + timedelta(hours=1)
        )
        call_command("send_reminders", stdout=StringIO())
        mailing = Mailing.objects.create(
            group=event.group,
            audience="members",
            subject="News",
            body="**Hi**",
            author=owner,
        )
        emails.send_mailing_test(mailing=mailing, to=owner)
        mail_services.mailing_queue(mailing=mailing)
        event_services.event_cancel(event=created, by=owner, message="Sorry")
    call_command("send_mail_queue", "--once", stdout=StringIO())


def _sample_context(world) -> dict:  # noqa: F811
    event = Event.objects.select_related("group").get(pk=world["event"])
    member = world["people"]["member"]
    return {
        "event": event,
        "group": event.group,
        "rsvp": Rsvp(event=event, user=member, status="attending"),
        "mailing": Mailing.objects.filter(group=event.group).first(),
        "user": member,
        "name": member.name,
        "url": "https://meetings.test/link",
        "event_url": f"https://meetings.test{event.get_absolute_url()}",
        "minutes": 15,
        "tz": member.timezone,
    }


# The sender command closes stale connections, which would close the test's
# own transaction: this test commits for real instead.
@pytest.mark.django_db(transaction=True)
def test_every_email_has_valid_html_and_a_text_part(
    world,  # noqa: F811
    tmp_path,
):
    from django.conf import settings

    _send_every_email(world)

    kinds = {}
    for sent in mail.outbox:
        kind = sent.extra_headers["X-Meetings-Kind"]
        html = [body for body, mime in sent.alternatives if mime == "text/html"]
        assert sent.body.strip() and len(html) == 1, kind
        assert "-unsubscribe_url-" not in sent.body + html[0], kind
        kinds.setdefault(kind, html[0])
    templates = {
        path.name.removesuffix("_body.html")
        for path in (settings.BASE_DIR / "templates" / "emails").glob("*_body.html")
    }
    assert set(kinds) == set(Message.objects.values_list("kind", flat=True))
    # Email types added later that nothing above sends are still rendered, with
    # every object of the world in the context.
    for name in sorted(templates - set(kinds)):
        rendered = emails.render_email(name, _sample_context(world), unsubscribe=True)
        assert rendered.subject and rendered.text.strip(), name
        kinds[name] = rendered.html
    assert len(kinds) >= 11
    for kind, html in kinds.items():
        (tmp_path / f"{kind}.html").write_text(html)

    assert nu_errors(sorted(tmp_path.glob("*.html"))) == {}
