"""The counts groups keep (core.counters); migration 0007 installs them."""

from core.counters import CountSpec

MEMBERS = CountSpec(
    name="groups_member_counts",
    counts_table="groups_groupcounts",
    counts_key="group_id",
    parent_table="groups_group",
    source_table="groups_membership",
    source_key="group_id",
    columns={"members": None},
)

COUNTS = [MEMBERS]
