# Mailings moved here from notifications. The table keeps its name
# (notifications_mailing), so this migration and notifications 0003 only change
# Django's model state: no row is copied, and the code still running during a
# deploy reads and writes the same table.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def _move_content_type(apps, old_label, new_label):
    # Admin permissions and log entries point at the content type row; renaming
    # it keeps them (post_migrate would otherwise add a second, empty one).
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label=new_label, model="mailing").exists():
        ContentType.objects.filter(app_label=old_label, model="mailing").update(
            app_label=new_label
        )


def forwards(apps, schema_editor):
    _move_content_type(apps, "notifications", "mailings")


def backwards(apps, schema_editor):
    _move_content_type(apps, "mailings", "notifications")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("events", "0002_event_reminded_at"),
        ("groups", "0002_membership_joined_idx"),
        ("notifications", "0002_delivery_sending_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Mailing",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("audience", models.CharField(choices=[("members", "all members"), ("attending", "attending the event"), ("not_attending", "not attending the event"), ("not_replied", "members who have not replied to the event"), ("waitlisted", "on the event's waiting list")], max_length=20)),
                        ("subject", models.CharField(max_length=200)),
                        ("body", models.TextField(help_text="Markdown.")),
                        ("recipient_count", models.PositiveIntegerField(default=0)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("queued_at", models.DateTimeField(blank=True, null=True)),
                        ("author", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("event", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="mailings", to="events.event")),
                        ("group", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="mailings", to="groups.group")),
                        ("message", models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="mailing", to="notifications.message")),
                    ],
                    options={
                        "db_table": "notifications_mailing",
                        "ordering": ["-created_at", "-pk"],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
