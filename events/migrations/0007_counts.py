"""Reply counts kept by the database (core.counters): the table, its triggers
and the counts of the events there are.

The spec is copied here as it is today (events.counts.REPLIES), so this
migration keeps doing what it did when the spec changes; a change comes with a
migration of its own.
"""

import django.db.models.deletion
from django.db import migrations, models

from core.counters import CountSpec, backfill, install, uninstall

REPLIES = CountSpec(
    name="events_reply_counts",
    counts_table="events_eventcounts",
    counts_key="event_id",
    parent_table="events_event",
    source_table="events_rsvp",
    source_key="event_id",
    columns={
        "attending": ("status", "attending"),
        "waitlisted": ("status", "waitlisted"),
        "not_attending": ("status", "not_attending"),
    },
)


def forwards(apps, schema_editor):
    # Triggers first: a reply written while the counts are filled then waits
    # for this transaction and is counted once, by its trigger.
    install(REPLIES, schema_editor.connection)
    backfill(REPLIES, schema_editor.connection)


def backwards(apps, schema_editor):
    uninstall(REPLIES, schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('events', '0006_replyaddress'),
    ]

    operations = [
        migrations.CreateModel(
            name='EventCounts',
            fields=[
                ('event', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='counts', serialize=False, to='events.event')),
                ('attending', models.IntegerField(db_default=0, editable=False)),
                ('waitlisted', models.IntegerField(db_default=0, editable=False)),
                ('not_attending', models.IntegerField(db_default=0, editable=False)),
            ],
            options={
                'verbose_name_plural': 'event counts',
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
