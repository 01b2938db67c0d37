"""The indexes of the delivery table: each one is paid for on every status change."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications import sender
from notifications.models import Delivery
from tests.notifications.helpers import addresses, queue_bulk

pytestmark = pytest.mark.django_db


def _indexes(table: str) -> list[tuple[str, ...]]:
    """The column lists of the table's indexes, those of its constraints included."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table).values()
    indexed = [c for c in found if c["index"] or c["primary_key"] or c["unique"]]
    return sorted(tuple(c["columns"]) for c in indexed)


def test_delivery_has_no_index_the_unique_address_index_already_covers():
    # (message_id, email) serves every lookup by message, and nothing looks
    # deliveries up by address alone (the admin's search is a substring); a
    # claim (pending -> sending) and a result (sending -> sent) insert into
    # every full index.
    assert _indexes(Delivery._meta.db_table) == [
        ("claimed_at",),  # sending rows (leases), partial
        ("claimed_at",),  # failed rows (status report), partial
        ("id",),
        ("message_id", "email"),
        ("next_attempt_at", "message_id", "id"),  # pending rows, partial
        ("user_id",),
    ]


def _scans_and_sorts(plan: dict) -> list[tuple[str, str, bool, list[str]]]:
    """(node type, relation, has an index condition, sort keys) of every node."""
    found = [
        (
            plan["Node Type"],
            plan.get("Relation Name", ""),
            "Index Cond" in plan or plan["Node Type"] == "Bitmap Heap Scan",
            plan.get("Sort Key", []),
        )
    ]
    for child in plan.get("Plans", []):
        found += _scans_and_sorts(child)
    return found


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan")
def test_claim_reads_only_the_rows_it_takes(sendgrid):
    # Without an index for them, the claim sorted every pending row of the
    # message and hashed every row of the table, for each batch of 1,000.
    queue_bulk(addresses(300))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE notifications_delivery")
    with CaptureQueriesContext(connection) as claim_sql:
        sender.claim(batch_size=100)

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + claim_sql.captured_queries[0]["sql"])
        nodes = _scans_and_sorts(cursor.fetchone()[0][0]["Plan"])

    table = Delivery._meta.db_table
    scans = [n[:3] for n in nodes if n[1] == table and n[0].endswith("Scan")]
    assert scans == [("Index Scan", table, True)] * 3  # head, picked, claimed
    assert [n[3] for n in nodes if n[3]] == [["c.next_attempt_at", "c.id"]]
