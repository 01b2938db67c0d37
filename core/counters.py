"""Counts the database keeps: how many rows point at a row, for pages to read.

A page that says "20,000 members" or "5,000 attending" reads a stored number
instead of counting rows on every request. Each number is a column of a counts
table with one row per counted row (`groups.GroupCounts` per group,
`events.EventCounts` per event), and triggers on the counted table add and
subtract in the statement, and so the transaction, of every write: a service,
the admin, the cascade of a deleted account, an import's `bulk_create` or raw
SQL alike. The next request sees the new number in any process, and nothing
expires. A trigger on the parent table gives each new row its counts row.

The counts are not columns of the parent row (`groups_group`, `events_event`)
on purpose: Django saves every column of an instance, so a form saving a group
read a moment before someone joined would write the old count back.

A `CountSpec` describes one counts table; each app with counts lists its own in
its `counts` module (`COUNTS`, found by name through core.discovery), and its
migration installs the triggers with `install` and fills the table with
`backfill`. `manage.py check_counts` puts back missing triggers (SQLite drops a
table's triggers when a later migration rebuilds the table) and recounts.
PostgreSQL and SQLite only, the two databases the project runs on.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection as default_connection
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper


@dataclass(frozen=True)
class CountSpec:
    """`counts_table` holds, per row of `parent_table`, counts of the rows of
    `source_table` whose `source_key` column points at it.

    `columns` maps each count column to the rows it counts: None for all of
    them, or (column, value) for those with that value (a reply's status).
    Table and column names and values are the project's own, never input.
    """

    name: str
    counts_table: str
    counts_key: str
    parent_table: str
    source_table: str
    source_key: str
    columns: dict[str, tuple[str, str] | None]

    @property
    def watched(self) -> list[str]:
        """The source columns whose change moves a row between counts."""
        extra = sorted({where[0] for where in self.columns.values() if where})
        return [self.source_key, *extra]

    def trigger_names(self) -> list[str]:
        if _vendor() == "postgresql":
            return [self.name, f"{self.name}_update", f"{self.name}_row"]
        return [f"{self.name}_{op}" for op in ("insert", "delete", "update", "row")]


def _vendor(connection: BaseDatabaseWrapper | None = None) -> str:
    vendor = (connection or default_connection).vendor
    if vendor not in {"postgresql", "sqlite"}:
        raise NotImplementedError(
            f"counts are kept on PostgreSQL and SQLite only, not {vendor}"
        )
    return vendor


def _matches(spec: CountSpec, row: str, column: str) -> str:
    """SQL that is 1 when `row` (NEW or OLD) counts towards `column`, else 0."""
    where = spec.columns[column]
    if where is None:
        return "1"
    name, value = where
    return f"CASE WHEN {row}.{name} = '{value}' THEN 1 ELSE 0 END"


def _change(spec: CountSpec, row: str, sign: str) -> str:
    sets = ", ".join(
        f"{column} = {column} {sign} {_matches(spec, row, column)}"
        for column in spec.columns
    )
    return (
        f"UPDATE {spec.counts_table} SET {sets} "
        f"WHERE {spec.counts_key} = {row}.{spec.source_key};"
    )


def _changed(spec: CountSpec) -> str:
    """The WHEN condition of the update trigger: a watched column changed."""
    return " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in spec.watched)


def install_sql(spec: CountSpec, vendor: str) -> list[str]:
    """The statements that create (or replace) the spec's functions and triggers."""
    watched = ", ".join(spec.watched)
    new_row = (
        f"INSERT INTO {spec.counts_table} ({spec.counts_key}) VALUES (NEW.id) "
        "ON CONFLICT DO NOTHING;"
    )
    if vendor == "postgresql":
        return [
            f"CREATE OR REPLACE FUNCTION {spec.name}() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP IN ('UPDATE', 'DELETE') THEN {_change(spec, 'OLD', '-')} "
            "END IF; "
            f"IF TG_OP IN ('UPDATE', 'INSERT') THEN {_change(spec, 'NEW', '+')} "
            "END IF; RETURN NULL; END $$",
            f"CREATE OR REPLACE TRIGGER {spec.name} AFTER INSERT OR DELETE "
            f"ON {spec.source_table} FOR EACH ROW EXECUTE FUNCTION {spec.name}()",
            f"CREATE OR REPLACE TRIGGER {spec.name}_update AFTER UPDATE OF {watched} "
            f"ON {spec.source_table} FOR EACH ROW WHEN ({_changed(spec)}) "
            f"EXECUTE FUNCTION {spec.name}()",
            f"CREATE OR REPLACE FUNCTION {spec.name}_row() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN {new_row} RETURN NULL; END $$",
            f"CREATE OR REPLACE TRIGGER {spec.name}_row AFTER INSERT "
            f"ON {spec.parent_table} FOR EACH ROW EXECUTE FUNCTION {spec.name}_row()",
        ]
    on = f"ON {spec.source_table} FOR EACH ROW"
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in spec.watched)
    return [
        f"CREATE TRIGGER IF NOT EXISTS {spec.name}_insert AFTER INSERT {on} "
        f"BEGIN {_change(spec, 'NEW', '+')} END",
        f"CREATE TRIGGER IF NOT EXISTS {spec.name}_delete AFTER DELETE {on} "
        f"BEGIN {_change(spec, 'OLD', '-')} END",
        f"CREATE TRIGGER IF NOT EXISTS {spec.name}_update AFTER UPDATE OF {watched} "
        f"{on} WHEN {changed} "
        f"BEGIN {_change(spec, 'OLD', '-')} {_change(spec, 'NEW', '+')} END",
        f"CREATE TRIGGER IF NOT EXISTS {spec.name}_row AFTER INSERT "
        f"ON {spec.parent_table} FOR EACH ROW BEGIN {new_row} END",
    ]


def uninstall_sql(spec: CountSpec, vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {spec.name} ON {spec.source_table}",
            f"DROP TRIGGER IF EXISTS {spec.name}_update ON {spec.source_table}",
            f"DROP TRIGGER IF EXISTS {spec.name}_row ON {spec.parent_table}",
            f"DROP FUNCTION IF EXISTS {spec.name}()",
            f"DROP FUNCTION IF EXISTS {spec.name}_row()",
        ]
    return [
        f"DROP TRIGGER IF EXISTS {spec.name}_{op}"
        for op in ("insert", "delete", "update", "row")
    ]


def _count(spec: CountSpec, column: str, parent: str) -> str:
    """SQL counting the source rows of `column` for the parent row `parent`."""
    where = spec.columns[column]
    extra = f" AND {where[0]} = '{where[1]}'" if where else ""
    return (
        f"(SELECT COUNT(*) FROM {spec.source_table} "
        f"WHERE {spec.source_key} = {parent}{extra})"
    )


def install(spec: CountSpec, connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for statement in install_sql(spec, _vendor(connection)):
            cursor.execute(statement)


def uninstall(spec: CountSpec, connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for statement in uninstall_sql(spec, _vendor(connection)):
            cursor.execute(statement)


def backfill(spec: CountSpec, connection: BaseDatabaseWrapper) -> None:
    """Give every parent row its counts row, counted (for a migration)."""
    columns = ", ".join(spec.columns)
    counts = ", ".join(_count(spec, column, "p.id") for column in spec.columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {spec.counts_table} ({spec.counts_key}, {columns}) "
            f"SELECT p.id, {counts} FROM {spec.parent_table} p"
        )


def missing_triggers(spec: CountSpec) -> list[str]:
    """The spec's triggers that the database does not have."""
    names = spec.trigger_names()
    with default_connection.cursor() as cursor:
        if _vendor() == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
                " AND tgname = ANY(%s)",
                [names],
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
                f" AND name IN ({', '.join(['%s'] * len(names))})",
                names,
            )
        present = {name for (name,) in cursor.fetchall()}
    return [name for name in names if name not in present]


@dataclass(frozen=True)
class Drift:
    """A parent row whose stored counts differ from its rows (None: no counts row)."""

    pk: int
    stored: tuple[int, ...] | None
    actual: tuple[int, ...]


def drifted(spec: CountSpec) -> list[Drift]:
    """Every parent row whose counts row is missing or wrong, by primary key.

    One read without locks: a row counted while a write is under way can show
    up here and be right when `repair` looks again under its lock.
    """
    stored = ", ".join(f"c.{column}" for column in spec.columns)
    actual = ", ".join(_count(spec, column, "p.id") for column in spec.columns)
    width = len(spec.columns)
    with default_connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.id, c.{spec.counts_key}, {stored}, {actual} "
            f"FROM {spec.parent_table} p LEFT JOIN {spec.counts_table} c "
            f"ON c.{spec.counts_key} = p.id ORDER BY p.id"
        )
        rows = cursor.fetchall()
    found = []
    for pk, present, *values in rows:
        have = None if present is None else tuple(values[:width])
        true = tuple(values[width:])
        if have != true:
            found.append(Drift(pk=pk, stored=have, actual=true))
    return found


def repair(spec: CountSpec, pk: int) -> tuple[int, ...]:
    """Count the rows of one parent row again and store the counts; returns them.

    Safe while the site runs. The counts row is locked first, in its own
    statement: a write under way holds that lock from its trigger to its
    commit, so counting after the lock sees it, and a write that comes later
    waits and adds its own change to the stored number. Counting in the UPDATE
    itself would not do: PostgreSQL takes the statement's snapshot before it
    waits for the lock, and would store a count missing the write it waited for.
    """
    columns = list(spec.columns)
    sets = ", ".join(f"{c} = {_count(spec, c, '%s')}" for c in columns)
    key = f"{spec.counts_key} = %s"
    with transaction.atomic(), default_connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {spec.counts_table} ({spec.counts_key}) VALUES (%s)"
            " ON CONFLICT DO NOTHING",
            [pk],
        )
        if _vendor() == "postgresql":  # SQLite: one writer at a time anyway
            cursor.execute(
                f"SELECT 1 FROM {spec.counts_table} WHERE {key} FOR UPDATE", [pk]
            )
        cursor.execute(
            f"UPDATE {spec.counts_table} SET {sets} WHERE {key}",
            [pk] * len(columns) + [pk],
        )
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM {spec.counts_table} WHERE {key}", [pk]
        )
        return tuple(cursor.fetchone())
