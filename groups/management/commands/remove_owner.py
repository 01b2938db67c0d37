from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.validators import line_argument
from groups.models import Group
from groups.services import GroupError, owner_remove


class Command(BaseCommand):
    help = "Make an owner a plain member again (never the last owner)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", type=line_argument, help="The group's slug.")
        parser.add_argument(
            "email", type=line_argument, help="The owner's email address."
        )

    def handle(self, *args: Any, slug: str, email: str, **options: Any) -> None:
        group = Group.objects.filter(slug=slug).first()
        if group is None:
            raise CommandError(f"No group with the slug “{slug}”.")
        try:
            membership = owner_remove(group=group, email=email)
        except GroupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"{membership.user.email} is no longer an owner of {group.name}."
        )
