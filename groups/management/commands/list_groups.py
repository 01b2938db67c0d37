from typing import Any

from django.core.management.base import BaseCommand

from core.text import printable
from groups.models import Group, Membership


class Command(BaseCommand):
    help = "List groups with their slug, member count and owners."

    def handle(self, *args: Any, **options: Any) -> None:
        groups = list(Group.objects.with_member_count().order_by("slug"))
        owners: dict[int, list[str]] = {}
        for m in Membership.objects.filter(role=Membership.Role.OWNER).select_related(
            "user"
        ):
            owners.setdefault(m.group_id, []).append(m.user.email)
        if not groups:
            self.stdout.write("No groups yet. Create one with manage.py create_group.")
            return
        for group in groups:
            self.stdout.write(
                f"{group.slug}\t{printable(group.name)}\t{group.member_count} "
                f"members\towners: {', '.join(sorted(owners.get(group.pk, [])))}"
            )
