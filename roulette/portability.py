"""The roulette section of a group's archive: its settings, nothing personal.

Who takes part, when they are free, whom they blocked and whom they met are
each person's own, and are not asked about; at the new site members opt in
again.
"""

from __future__ import annotations

from typing import Any

from accounts.models import User
from core.archiving import checked, field, flag, iso, moment, number, text
from groups.models import Group

from .models import RouletteSettings


def export_group(*, group: Group, people: dict[int, str]) -> dict[str, Any]:
    """The group's roulette settings, or null when it never had any."""
    config = RouletteSettings.objects.filter(group=group).first()
    if config is None:
        return {"settings": None}
    return {
        "settings": {
            "enabled": config.enabled,
            "minutes": config.minutes,
            "announce_weekday": config.announce_weekday,
            "announce_hour": config.announce_hour,
            "repeat_weeks": config.repeat_weeks,
            "video_link_template": config.video_link_template,
            "updated_at": iso(config.updated_at),
        }
    }


def import_group(*, group: Group, data: dict[str, Any], people: dict[str, User]) -> str:
    """The settings as they were (on or off); nobody takes part yet."""
    row = field(data, "settings", "roulette")
    if row is None:
        return ""
    where = "roulette.settings"
    config = RouletteSettings(
        group=group,
        enabled=flag(row, "enabled", where),
        minutes=number(row, "minutes", where),
        announce_weekday=number(row, "announce_weekday", where),
        announce_hour=number(row, "announce_hour", where),
        repeat_weeks=number(row, "repeat_weeks", where),
        video_link_template=text(row, "video_link_template", where),
        updated_at=moment(row, "updated_at", where),
    )
    checked(config, where).save()
    return "coffee roulette settings"
