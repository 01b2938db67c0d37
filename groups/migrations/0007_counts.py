"""Member counts kept by the database (core.counters): the table, its triggers
and the counts of the groups there are.

The spec is copied here as it is today (groups.counts.MEMBERS), so this
migration keeps doing what it did when the spec changes; a change comes with a
migration of its own.
"""

import django.db.models.deletion
from django.db import migrations, models

from core.counters import CountSpec, backfill, install, uninstall

MEMBERS = CountSpec(
    name="groups_member_counts",
    counts_table="groups_groupcounts",
    counts_key="group_id",
    parent_table="groups_group",
    source_table="groups_membership",
    source_key="group_id",
    columns={"members": None},
)


def forwards(apps, schema_editor):
    # Triggers first: a membership written while the counts are filled then
    # waits for this transaction and is counted once, by its trigger.
    install(MEMBERS, schema_editor.connection)
    backfill(MEMBERS, schema_editor.connection)


def backwards(apps, schema_editor):
    uninstall(MEMBERS, schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('groups', '0006_membership_export_consent'),
    ]

    operations = [
        migrations.CreateModel(
            name='GroupCounts',
            fields=[
                ('group', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='counts', serialize=False, to='groups.group')),
                ('members', models.IntegerField(db_default=0, editable=False)),
            ],
            options={
                'verbose_name_plural': 'group counts',
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
