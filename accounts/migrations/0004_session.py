# Sessions move to accounts_session, whose rows also name the person
# (accounts/sessions.py). The sessions still valid are copied, so nobody is
# signed out by the release; Django's django_session keeps its rows, so the
# previous release, run again, finds its sessions too.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def copy_sessions(apps, schema_editor):
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    Old = apps.get_model("sessions", "Session")
    New = apps.get_model("accounts", "Session")
    User = apps.get_model("accounts", "User")
    # Both engines sign their data with the same salt (the class is named
    # SessionStore in both), so the data are copied as they are; they are
    # decoded only for the person's key.
    store = SessionStore()
    rows = []
    for old in Old.objects.filter(expire_date__gt=timezone.now()).iterator(2000):
        user_id = store.decode(old.session_data).get(SESSION_KEY)
        rows.append((old, int(user_id) if str(user_id).isdigit() else None))
    known = set(
        User.objects.filter(pk__in={u for _, u in rows if u}).values_list(
            "pk", flat=True
        )
    )
    New.objects.bulk_create(
        [
            New(
                session_key=old.session_key,
                session_data=old.session_data,
                expire_date=old.expire_date,
                user_id=user_id if user_id in known else None,
            )
            for old, user_id in rows
        ],
        batch_size=2000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_apitoken"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Session",
            fields=[
                (
                    "session_key",
                    models.CharField(
                        max_length=40,
                        primary_key=True,
                        serialize=False,
                        verbose_name="session key",
                    ),
                ),
                ("session_data", models.TextField(verbose_name="session data")),
                (
                    "expire_date",
                    models.DateTimeField(db_index=True, verbose_name="expire date"),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="browser_sessions",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "session",
                "verbose_name_plural": "sessions",
                "abstract": False,
            },
        ),
        migrations.RunPython(copy_sessions, migrations.RunPython.noop),
    ]
