# API tokens moved here from timepolls. The table keeps its name
# (timepolls_apitoken), so this migration and timepolls 0002 only change
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
    if not ContentType.objects.filter(app_label=new_label, model="apitoken").exists():
        ContentType.objects.filter(app_label=old_label, model="apitoken").update(
            app_label=new_label
        )


def forwards(apps, schema_editor):
    _move_content_type(apps, "timepolls", "accounts")


def backwards(apps, schema_editor):
    _move_content_type(apps, "accounts", "timepolls")


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_user_github_user_linkedin_user_website_logintoken"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("timepolls", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ApiToken",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=60)),
                        ("token_hash", models.CharField(max_length=64, unique=True)),
                        ("hint", models.CharField(max_length=12)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("last_used_at", models.DateTimeField(blank=True, null=True)),
                        ("revoked_at", models.DateTimeField(blank=True, null=True)),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="api_tokens", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "timepolls_apitoken",
                        "ordering": ["-created_at", "-pk"],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
