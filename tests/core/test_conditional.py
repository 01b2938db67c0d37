import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from core.conditional import entity_tag

NOON = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def test_entity_tag_is_one_for_an_instant_in_any_zone():
    in_berlin = NOON.astimezone(ZoneInfo("Europe/Berlin"))
    in_utc_zoneinfo = NOON.astimezone(ZoneInfo("UTC"))

    assert entity_tag("feed", NOON) == entity_tag("feed", in_berlin)
    assert entity_tag("feed", NOON) == entity_tag("feed", in_utc_zoneinfo)


def test_entity_tag_is_strong_and_opaque():
    tag = entity_tag("feed", "secret-room")

    assert re.fullmatch(r'"[0-9a-f]{40}"', tag)  # an HMAC, not W/, no parts


def test_entity_tags_of_other_kinds_or_secrets_differ(settings):
    feed = entity_tag("feed", 1)
    settings.SECRET_KEY = "another-secret-key"

    assert len({feed, entity_tag("agenda", 1), entity_tag("feed", 1)}) == 3
