# API tokens moved to accounts (accounts 0003), which took over the table as
# it is: only Django's model state changes here, no data.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_apitoken"),
        ("timepolls", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ApiToken")],
            database_operations=[],
        ),
    ]
