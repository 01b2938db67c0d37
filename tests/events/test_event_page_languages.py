"""The event page in German and Hebrew: labels, dates, plurals, direction."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import EventFactory, MembershipFactory, RsvpFactory


@pytest.fixture
def full_house(group, owner, member):
    """A Thursday evening event in Berlin with a place left and two replies."""
    start = datetime(2030, 1, 17, 18, 0, tzinfo=UTC)  # 19:00 in Berlin
    event = EventFactory(
        group=group, title="Async Rust night", start=start,
        end=start + timedelta(hours=2), capacity=3,
    )  # fmt: skip
    RsvpFactory(event=event, user=owner)
    RsvpFactory(event=event, user=member)
    return event


def _page(client, event, language: str) -> str:
    url = event.get_absolute_url()
    return client.get(url, headers={"accept-language": language}).content.decode()


def test_event_page_in_german(client, full_house):
    html = _page(client, full_house, "de")

    assert '<html lang="de" dir="ltr">' in html
    assert "<dt>Wann</dt>" in html
    assert "Donnerstag, 17. Januar 2030, 19:00</time> – 21:00" in html
    assert "<dt>Zusagen</dt>\n    <dd>2 von 3 Plätzen</dd>" in html
    assert '<h2 id="reply-heading">Deine Antwort</h2>' in html
    assert (
        '<button type="submit" name="choice" value="attending">Zusagen</button>' in html
    )


def test_event_page_in_hebrew_is_right_to_left(client, full_house):
    html = _page(client, full_house, "he")

    assert '<html lang="he" dir="rtl">' in html
    assert "<dt>מתי</dt>" in html
    assert "יום חמישי, 17 בינואר 2030, 19:00</time> – 21:00" in html
    assert "<dt>מגיעים</dt>\n    <dd>2 מתוך 3 מקומות</dd>" in html
    assert '<h2 id="reply-heading">התשובה שלכם</h2>' in html


@pytest.mark.parametrize(
    ("language", "one", "two"),
    [
        ("en", "1 attending of 3", "2 attending of 3"),
        ("de", "1 Zusage von 3", "2 Zusagen von 3"),
        ("he", "מגיע אחד מתוך 3", "שניים מגיעים מתוך 3"),
    ],
)
def test_event_cards_count_replies_in_each_languages_plural(
    client, group, owner, language, one, two
):
    event = EventFactory(group=group, title="Cards", capacity=3)
    RsvpFactory(event=event, user=owner)
    first = client.get(group.get_absolute_url(), headers={"accept-language": language})
    RsvpFactory(event=event, user=MembershipFactory(group=group).user)
    second = client.get(group.get_absolute_url(), headers={"accept-language": language})

    assert f"<p>{one}</p>" in first.content.decode()
    assert f"<p>{two}</p>" in second.content.decode()
