# Mailings moved to their own app (mailings 0001), which took over the table
# as it is: only Django's model state changes here, no data.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("mailings", "0001_initial"),
        ("notifications", "0002_delivery_sending_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Mailing")],
            database_operations=[],
        ),
    ]
