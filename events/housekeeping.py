"""Events' part of `manage.py housekeeping` (see core.housekeeping)."""

from core.housekeeping import Step
from core.images import orphans_step

from .models import Event


def steps(*, now, cutoff) -> list[Step]:
    """Cover image files no event uses (replaced, or the event was deleted)."""

    def in_use() -> set[str]:
        return set(Event.objects.exclude(cover="").values_list("cover", flat=True))

    return [orphans_step("cover_files", folder="events/covers", in_use=in_use, now=now)]
