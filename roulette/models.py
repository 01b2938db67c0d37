"""Coffee roulette: a group's settings, who takes part, and each week's pairs.

The pairing itself (who meets whom, and when) is pure Python in `pairing.py`;
these models hold its inputs (settings, participants, blocks) and its outputs
(one Round per group and ISO week, its Pairings and the people who sat out).
"""

import secrets
import zoneinfo
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.db.models import Exists, OuterRef
from django.db.models.functions import Length, Lower
from django.db.models.lookups import Exact
from django.urls import reverse
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import validate_timezone
from notifications.models import OptOut, Suppression, Topic

BLOCKS_PER_WEEK = 7 * 48
NO_BLOCKS = "0" * BLOCKS_PER_WEEK
ROOM = "{room}"
DEFAULT_VIDEO_LINK = "https://meet.jit.si/" + ROOM


def validate_video_link_template(value: str) -> None:
    """An http(s) URL that may contain `{room}` (and no other placeholder)."""
    rest = value.replace(ROOM, "")
    if "{" in rest or "}" in rest:
        raise ValidationError(
            _("The only placeholder allowed is {room} (a random name per pair).")
        )
    URLValidator(schemes=["https", "http"])(value.replace(ROOM, "room"))


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class RouletteSettings(models.Model):
    """One group's roulette: off until an owner switches it on."""

    MINUTES_CHOICES = [(15, _("15 minutes")), (30, _("30 minutes")),
                       (45, _("45 minutes")), (60, _("1 hour"))]  # fmt: skip

    group = models.OneToOneField(
        "groups.Group", on_delete=models.CASCADE, related_name="roulette_settings"
    )
    enabled = models.BooleanField("coffee roulette is on", default=False)
    minutes = models.PositiveSmallIntegerField(
        "meeting length", choices=MINUTES_CHOICES, default=30
    )
    announce_weekday = models.PositiveSmallIntegerField(
        "pairs are announced on", choices=Weekday.choices, default=Weekday.FRIDAY
    )
    announce_hour = models.PositiveSmallIntegerField(
        "at", default=10, validators=[MaxValueValidator(23)]
    )
    repeat_weeks = models.PositiveSmallIntegerField(
        "weeks before two people may be paired again",
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(52)],
    )
    video_link_template = models.CharField(
        "video link",
        max_length=200,
        default=DEFAULT_VIDEO_LINK,
        validators=[validate_video_link_template],
    )
    updated_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        verbose_name_plural = "roulette settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minutes__in=[15, 30, 45, 60]),
                name="roulette_minutes_allowed",
            ),
            models.CheckConstraint(
                condition=models.Q(announce_weekday__lte=6, announce_hour__lte=23),
                name="roulette_announce_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(repeat_weeks__gte=1, repeat_weeks__lte=52),
                name="roulette_repeat_weeks_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Coffee roulette of {self.group}"

    def get_absolute_url(self) -> str:
        return reverse("roulette:settings", kwargs={"slug": self.group.slug})

    def new_video_link(self) -> str:
        """The template with a fresh random room name (one per pairing)."""
        room = f"{self.group.slug}-coffee-{secrets.token_hex(6)}"
        return self.video_link_template.replace(ROOM, room)


class ParticipantQuerySet(models.QuerySet):
    def taking_part(self, group, *, iso_week: str):
        """Opted in, active, not skipping `iso_week`, and reachable by email.

        Someone whose address is suppressed (bounced, reported as spam,
        unsubscribed from everything) or who turned off the group's roulette
        emails would never hear of their meeting, and their partner would
        wait for them: they are not paired (the roulette page says why).
        """
        roulette_off = OptOut.objects.filter(
            user=OuterRef("membership__user"),
            group=OuterRef("membership__group"),
            topic=Topic.ROULETTE,
        )
        return (
            self.filter(
                membership__group=group,
                opted_in=True,
                membership__user__is_active=True,
            )
            .alias(address=Lower("membership__user__email"))
            .exclude(skip_week=iso_week)
            .exclude(address__in=Suppression.objects.values("email"))
            .exclude(Exists(roulette_off))
            .select_related("membership__user")
            .order_by("membership__user_id")
        )


class Participant(models.Model):
    """A member's roulette choices; no row means they never opened the page."""

    membership = models.OneToOneField(
        "groups.Membership", on_delete=models.CASCADE, related_name="roulette"
    )
    opted_in = models.BooleanField(default=False)
    timezone = models.CharField(
        "time zone", max_length=64, validators=[validate_timezone]
    )
    # 336 characters, one per local half-hour of a typical week: "1" is free.
    # Character i is block i of `pairing.block_index` (Monday 00:00 is 0).
    availability = models.CharField(max_length=BLOCKS_PER_WEEK, default=NO_BLOCKS)
    # The ISO week ("2026-W49") this person sits out; other weeks are normal.
    skip_week = models.CharField(max_length=8, blank=True)
    updated_at = models.DateTimeField(default=dj_timezone.now)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Exact(Length("availability"), BLOCKS_PER_WEEK)
                & models.Q(availability__regex=r"^[01]*$"),
                name="participant_availability_bits",
            )
        ]

    def __str__(self) -> str:
        return f"{self.membership.user} in the roulette of {self.membership.group}"

    def get_absolute_url(self) -> str:
        return reverse("roulette:home", kwargs={"slug": self.membership.group.slug})

    @property
    def blocks(self) -> frozenset[int]:
        return frozenset(i for i, bit in enumerate(self.availability) if bit == "1")

    def set_blocks(self, blocks: Iterable[int]) -> None:
        chosen = set(blocks)
        self.availability = "".join(
            "1" if i in chosen else "0" for i in range(BLOCKS_PER_WEEK)
        )

    # Django's templates never call a method marked so; mypy knows no such
    # attribute on a function.
    set_blocks.alters_data = True  # type: ignore[attr-defined]

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class PartnerBlock(models.Model):
    """`blocker` never wants to be paired with `blocked` in this group."""

    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, related_name="roulette_blocks"
    )
    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["group", "blocker", "blocked"], name="partnerblock_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(blocker=models.F("blocked")),
                name="partnerblock_not_self",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.blocker} does not want to meet {self.blocked}"

    def get_absolute_url(self) -> str:
        return reverse("roulette:home", kwargs={"slug": self.group.slug})


class Round(models.Model):
    """One group's pairing for one ISO week; its existence makes re-runs no-ops."""

    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, related_name="roulette_rounds"
    )
    iso_week = models.CharField(max_length=8)
    seed = models.BigIntegerField()
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        ordering = ["-iso_week"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "iso_week"], name="round_one_per_week"
            )
        ]

    def __str__(self) -> str:
        return f"{self.group} {self.iso_week}"

    def get_absolute_url(self) -> str:
        return reverse("roulette:home", kwargs={"slug": self.group.slug})


class PairingQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(seats__user=user).select_related("round__group")


class Pairing(models.Model):
    """Two (or three) people meeting once, with their calendar invitation's state."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("on")
        CANCELLED = "cancelled", _("cancelled")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="pairings")
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="PairingMember", related_name="+"
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    video_link = models.URLField(max_length=300)
    # Derived from group, week and people, so it never changes; SEQUENCE rises
    # with every change, as iTIP wants.
    uid = models.CharField(max_length=200, unique=True)
    sequence = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    created_at = models.DateTimeField(default=dj_timezone.now)
    updated_at = models.DateTimeField(default=dj_timezone.now)

    objects = PairingQuerySet.as_manager()

    class Meta:
        ordering = ["start", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")),
                name="pairing_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.round}: {self.uid}"

    def get_absolute_url(self) -> str:
        return reverse(
            "roulette:pairing",
            kwargs={"slug": self.round.group.slug, "pk": self.pk},
        )

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def is_past(self) -> bool:
        return self.end <= dj_timezone.now()

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


class PairingMember(models.Model):
    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="seats")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="roulette_seats",
    )
    # Set when this person said they cannot make it; a trio goes on without them.
    declined_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["pairing", "user"], name="pairingmember_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.pairing}"

    def get_absolute_url(self) -> str:
        return self.pairing.get_absolute_url()


class SatOut(models.Model):
    """Someone opted in who got no partner this week; they get priority next week."""

    class Reason(models.TextChoices):
        NO_COMMON_TIME = "no_common_time", _("no common time with anyone")
        ODD_NUMBER = "odd_number", _("odd number")
        ALL_MATCHED = "all_matched", _("everyone eligible already matched")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="sat_outs")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="roulette_sat_outs",
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "user"], name="satout_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} sat out {self.round}"

    def get_absolute_url(self) -> str:
        return self.round.get_absolute_url()
