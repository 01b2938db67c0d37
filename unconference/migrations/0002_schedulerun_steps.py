from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("unconference", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="schedulerun",
            name="steps",
            field=models.PositiveIntegerField(
                blank=True, help_text="Annealing steps the search did.", null=True
            ),
        ),
        migrations.AddField(
            model_name="schedulerun",
            name="step_budget",
            field=models.PositiveIntegerField(
                blank=True, help_text="Annealing steps the search planned.", null=True
            ),
        ),
        migrations.AddField(
            model_name="schedulerun",
            name="capped",
            field=models.BooleanField(
                default=False,
                help_text="The time limit (CPU time) stopped the search before its "
                "planned steps, so the same seed and data may give another "
                "timetable.",
            ),
        ),
    ]
