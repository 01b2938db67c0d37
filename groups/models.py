from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User, validate_timezone
from core.search import text_search

# What the search on /groups/ reads, with its weights; migration 0003 indexes
# this vector on PostgreSQL, so change both together.
SEARCH_FIELDS = (("name", "A"), ("location", "B"), ("description", "C"))


class GroupQuerySet(models.QuerySet):
    def search(self, text: str):
        """Groups whose name, location or description match `text` (core.search)."""
        return text_search(self, text, fields=SEARCH_FIELDS)

    def with_member_count(self):
        """Fetch the stored member count (`GroupCounts`) with each group.

        Counting a big group's memberships on each page view read 20,000
        index entries; the stored count is one row, joined by primary key.
        """
        return self.select_related("counts")


class Group(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.TextField(blank=True, help_text=_("Markdown."))
    location = models.CharField(max_length=200, blank=True)
    timezone = models.CharField(
        "time zone", max_length=64, default="UTC", validators=[validate_timezone]
    )
    # Set only through core.images (checked, re-encoded, random name); the
    # size is kept so pages give width and height without opening the file.
    logo = models.ImageField(upload_to="groups/logos", blank=True, editable=False)
    logo_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    logo_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    logo_alt = models.CharField(
        "logo description", max_length=250, blank=True, editable=False
    )
    created_at = models.DateTimeField(default=dj_timezone.now)

    objects = GroupQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        # Lists of groups are in name order, a page at a time: read in index
        # order, they stop at the page's end instead of sorting every group.
        indexes = [models.Index(fields=["name"], name="group_name_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(logo="") | ~models.Q(logo_alt=""),
                name="group_logo_has_alt",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        # The group's page lists its events, so the events app serves it.
        return reverse("events:group_detail", kwargs={"slug": self.slug})

    @property
    def member_count(self) -> int:
        """From `GroupCounts`: fetch groups `with_member_count()` to save a query."""
        return self.counts.members

    def owners_by_name(self) -> list["Membership"]:
        """The group's owners by name.

        Their people are fetched by primary key: joining users instead makes
        PostgreSQL scan all of them, since it cannot tell that a group of 20,000
        members has only a few owners.
        """
        owners = Membership.objects.filter(group=self, role=Membership.Role.OWNER)
        return sorted(owners.prefetch_related("user"), key=lambda m: m.user.name)

    def owner_names(self) -> list[str]:
        """The names of the group's owners, sorted, for pages that show only
        those: two queries of plain values (by primary key, as above)."""
        owners = Membership.objects.filter(group=self, role=Membership.Role.OWNER)
        people = list(owners.values_list("user_id", flat=True))
        names = User.objects.filter(pk__in=people)
        return sorted(names.values_list("name", flat=True))


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("owner")
        MEMBER = "member", _("member")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(default=dj_timezone.now)
    # The person's own choice, asked on the group page: their name and address
    # go into the group's archive (groups.archive) only when it is on.
    export_consent = models.BooleanField(
        _(
            "Let the owners take my name and address along if the group moves to "
            "another site"
        ),
        default=False,
    )

    class Meta:
        ordering = ["joined_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "group"], name="membership_unique")
        ]
        indexes = [
            models.Index(fields=["group", "role"]),
            # The member list pages through a group in joining order.
            models.Index(
                fields=["group", "joined_at", "id"], name="membership_joined_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.group} ({self.role})"

    def get_absolute_url(self) -> str:
        return self.group.get_absolute_url()

    @property
    def is_owner(self) -> bool:
        return self.role == self.Role.OWNER


class GroupCounts(models.Model):
    """How many members a group has, kept by the database (core.counters).

    Triggers on `groups_membership` (migration 0007) change it in the
    transaction of every membership written or deleted, and one on
    `groups_group` adds the row of each new group; `manage.py check_counts`
    recounts. Code never writes it.
    """

    group = models.OneToOneField(
        Group, on_delete=models.CASCADE, primary_key=True, related_name="counts"
    )
    members = models.IntegerField(db_default=0, editable=False)

    class Meta:
        verbose_name_plural = "group counts"

    def __str__(self) -> str:
        return f"{self.group}: {self.members} members"

    def get_absolute_url(self) -> str:
        return self.group.get_absolute_url()


class Invitation(models.Model):
    """An owner invited an address to join; it joins only by pressing Join.

    Kept so that an address is invited once per group (the owner sees "invited
    before"); removed when the person joins, or deletes their account.
    """

    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "email"], name="invitation_unique")
        ]
        indexes = [models.Index(fields=["email"])]

    def __str__(self) -> str:
        return f"{self.email} invited to {self.group}"

    def get_absolute_url(self) -> str:
        return self.group.get_absolute_url()
