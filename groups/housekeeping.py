"""Groups' part of `manage.py housekeeping` (see core.housekeeping)."""

from core.housekeeping import Step
from core.images import orphans_step

from .models import Group


def steps(*, now, cutoff) -> list[Step]:
    """Logo files no group uses (replaced, or the group was deleted)."""

    def in_use() -> set[str]:
        return set(Group.objects.exclude(logo="").values_list("logo", flat=True))

    return [orphans_step("logo_files", folder="groups/logos", in_use=in_use, now=now)]
