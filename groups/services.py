"""Group and membership actions shared by views, commands and the admin."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User, normalize_email
from core import ratelimit
from core.discovery import call_hook
from core.images import ProcessedImage, image_remove, image_store
from notifications import email
from notifications.models import Suppression
from notifications.outbox import To

from .models import Group, Invitation, Membership


class GroupError(Exception):
    """A request that cannot be done; the message is shown to the person."""


def group_create(
    *,
    name: str,
    slug: str,
    owner_email: str,
    description: str = "",
    location: str = "",
    tz: str = "UTC",
) -> Group:
    """Create a group with its first owner.

    Side effects: an owner address without an account gets an unverified account
    (it signs in with an emailed link like anyone else).
    """
    if Group.objects.filter(slug=slug).exists():
        raise GroupError(f"A group with the slug “{slug}” exists already.")
    with transaction.atomic():
        owner = User.objects.filter(email=normalize_email(owner_email)).first()
        if owner is None:
            owner = User.objects.create_user(owner_email, owner_email.split("@")[0])
        try:
            group = Group.objects.create(
                name=name,
                slug=slug,
                description=description,
                location=location,
                timezone=tz,
            )
        except IntegrityError as error:
            raise GroupError(
                f"A group with the slug “{slug}” exists already."
            ) from error
        Membership.objects.create(user=owner, group=group, role=Membership.Role.OWNER)
    return group


def membership_join(*, user: User, group: Group) -> tuple[Membership, bool]:
    """Make `user` a member (no-op if already one). Returns (membership, created).

    Side effects: an invitation of their address to the group is done with.
    """
    membership, created = Membership.objects.get_or_create(
        user=user, group=group, defaults={"joined_at": timezone.now()}
    )
    if created:
        Invitation.objects.filter(group=group, email=user.email).delete()
    return membership, created


@dataclass
class InviteSummary:
    """What became of each address an owner asked to invite."""

    invited: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    invited_before: list[str] = field(default_factory=list)
    suppressed: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)


def _invite_key(group: Group) -> str:
    return f"group-invites:{group.pk}"


def invites_left(*, group: Group) -> int:
    """New addresses the group may still invite today."""
    per_day = settings.GROUP_INVITES_PER_DAY
    return ratelimit.available(_invite_key(group), capacity=per_day, period=86400)


def invitations_send(
    *,
    group: Group,
    inviter: User,
    addresses: list[str],
    invalid: list[str] | None = None,
    note: str = "",
) -> InviteSummary:
    """Invite addresses to join `group`: one email each, nobody added.

    Members, addresses invited to this group before and addresses that asked
    for no email (bounces, unsubscribes) are skipped and counted. Raises
    GroupError, inviting nobody, when the new addresses exceed what the group
    may still invite today (GROUP_INVITES_PER_DAY).
    Side effects: an Invitation row per new address; one bulk email (with a
    one-click unsubscribe link) to them.
    """
    summary = InviteSummary(invalid=list(invalid or []))
    members = set(
        Membership.objects.filter(group=group, user__email__in=addresses).values_list(
            "user__email", flat=True
        )
    )
    before = set(
        Invitation.objects.filter(group=group, email__in=addresses).values_list(
            "email", flat=True
        )
    )
    suppressed = set(
        Suppression.objects.filter(email__in=addresses).values_list("email", flat=True)
    )
    for address in addresses:
        if address in members:
            summary.members.append(address)
        elif address in before:
            summary.invited_before.append(address)
        elif address in suppressed:
            summary.suppressed.append(address)
        else:
            summary.invited.append(address)
    if not summary.invited:
        return summary
    per_day = settings.GROUP_INVITES_PER_DAY
    with transaction.atomic():
        if not ratelimit.take(
            _invite_key(group),
            capacity=per_day,
            period=86400,
            cost=len(summary.invited),
        ):
            left = invites_left(group=group)
            raise GroupError(
                _(
                    "A group can invite at most %(limit)s new addresses a day; "
                    "%(left)s left today. Nobody was invited."
                )
                % {"limit": per_day, "left": left}
            )
        Invitation.objects.bulk_create(
            [
                Invitation(group=group, email=a, invited_by=inviter)
                for a in summary.invited
            ],
            ignore_conflicts=True,
        )
        email.send_group_invitation(
            group=group,
            inviter=inviter,
            note=note,
            recipients=[To(address) for address in summary.invited],
        )
    return summary


def membership_leave(*, user: User, group: Group) -> None:
    """Leave a group, dropping replies to its future events (past ones stay).

    Refused for the last owner, who would leave the group without anyone to run it.
    Side effects: `hooks.member_left(user=, group=)` of every app that has one,
    in the same transaction (events drops future replies and moves people up
    from waiting lists; roulette declines upcoming meetings and tells partners).
    """
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update()
            .filter(user=user, group=group)
            .first()
        )
        if membership is None:
            return
        if membership.is_owner and owner_count(group) == 1:
            raise GroupError(
                _("You are the only owner. Add another owner before you leave.")
            )
        call_hook("member_left", user=user, group=group)
        membership.delete()


def owner_add(*, group: Group, email: str) -> Membership:
    """Promote a member (found by email) to owner."""
    membership = (
        Membership.objects.select_related("user")
        .filter(group=group, user__email=normalize_email(email))
        .first()
    )
    if membership is None:
        raise GroupError(
            _("%(email)s is not a member of %(group)s.")
            % {"email": normalize_email(email), "group": group.name}
        )
    if not membership.is_owner:
        membership.role = Membership.Role.OWNER
        membership.save(update_fields=["role"])
    return membership


def owner_remove(*, group: Group, email: str) -> Membership:
    """Make an owner a plain member again; never the last owner."""
    with transaction.atomic():
        # Lock the owners so two removals at once cannot leave none.
        owners = list(
            Membership.objects.select_for_update()
            .filter(group=group, role=Membership.Role.OWNER)
            .select_related("user")
        )
        membership = next(
            (m for m in owners if m.user.email == normalize_email(email)), None
        )
        if membership is None:
            raise GroupError(
                _("%(email)s is not an owner of %(group)s.")
                % {"email": normalize_email(email), "group": group.name}
            )
        if len(owners) == 1:
            raise GroupError(
                _("%(group)s needs at least one owner.") % {"group": group.name}
            )
        membership.role = Membership.Role.MEMBER
        membership.save(update_fields=["role"])
    return membership


def group_logo_set(
    *, group: Group, alt: str, image: ProcessedImage | None = None
) -> None:
    """Give the group a new logo (or, without `image`, new alt text).

    Side effects: the new file in storage; the replaced one is deleted from
    storage when the transaction commits.
    """
    with transaction.atomic():
        locked = Group.objects.select_for_update().get(pk=group.pk)
        locked.save(update_fields=image_store(locked, "logo", image=image, alt=alt))
    group.__dict__.update(locked.__dict__)


def group_logo_remove(*, group: Group) -> None:
    """Take the logo off the group; its file is deleted from storage on commit."""
    with transaction.atomic():
        locked = Group.objects.select_for_update().get(pk=group.pk)
        locked.save(update_fields=image_remove(locked, "logo"))
    group.__dict__.update(locked.__dict__)


def owner_count(group: Group) -> int:
    return Membership.objects.filter(group=group, role=Membership.Role.OWNER).count()
