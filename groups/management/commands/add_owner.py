from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User, normalize_email
from core.validators import line_argument
from groups.models import Group
from groups.services import GroupError, membership_join, owner_add


class Command(BaseCommand):
    help = "Make a person an owner of a group (they join it if needed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", type=line_argument, help="The group's slug.")
        parser.add_argument(
            "email", type=line_argument, help="The person's email address."
        )

    def handle(self, *args: Any, slug: str, email: str, **options: Any) -> None:
        group = Group.objects.filter(slug=slug).first()
        if group is None:
            raise CommandError(f"No group with the slug “{slug}”.")
        user = User.objects.filter(email=normalize_email(email)).first()
        if user is None:
            raise CommandError(f"No account with the email address {email}.")
        membership_join(user=user, group=group)
        try:
            owner_add(group=group, email=email)
        except GroupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{user.email} is now an owner of {group.name}.")
