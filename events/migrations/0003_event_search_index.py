"""A GIN index on the search vector of /events/, on PostgreSQL only.

The expression is `core.search.search_vector(events.models.SEARCH_FIELDS)`,
copied here as it is today; the planner uses the index only while the two are
the same (tests/events/test_search.py checks that it does). SQLite, where the
demo runs, has no tsvector: there the search reads the columns and this
migration does nothing. The index is not in the model's Meta.indexes, since
SQLite would build it whenever a later migration rebuilds the table.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

FIELDS = (("title", "A"), ("venue", "B"), ("description", "C"))


def _index():
    vectors = [SearchVector(name, weight=w, config="english") for name, w in FIELDS]
    return GinIndex(vectors[0] + vectors[1] + vectors[2], name="event_search_idx")


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("events", "Event"), _index())


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("events", "Event"), _index())


class Migration(migrations.Migration):

    dependencies = [
        ("events", "0002_event_reminded_at"),
    ]

    operations = [migrations.RunPython(add_index, remove_index)]
