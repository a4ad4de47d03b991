"""Changing an outpost's own fields in one statement, on PostgreSQL.

A change to name, config, managed or service connection needs no rule that
reads the outpost's providers, and none that reads its stored fields but the
embedded outpost's. Such a change is sent as a single statement that locks
the row, compares the stored values with the new ones, writes the row and
its audit event if anything differs, and returns the row as stored after:
the database computes the diff against what is stored at that moment, so
the row is locked only while the statement runs, as long as any single
UPDATE would lock it, and concurrent writers of one outpost neither wait on
each other's validation nor lose each other's changes.

The outpost's providers, which the statement does not change, are read just
before it, in the same round trip.
"""

import json
from contextlib import nullcontext
from functools import cache
from typing import Any
from uuid import UUID

from django.db import OperationalError, connection, transaction
from django.db.models import Field
from psycopg import errors

from outposts.models import (
    EMBEDDED_OUTPOST_MANAGED,
    EMBEDDED_OUTPOST_NAME,
    Event,
    EventAction,
    Outpost,
)
from outposts.pipeline import pipelined
from outposts.rows import row_values
from outposts.selectors import ProviderRow, index_provider_rows, provider_rows_sql
from outposts.services.events import event_build
from outposts.services.notify import outposts_notify

# The fields this path changes, in the order their diff is built.
FIELDS = ("name", "config", "managed", "service_connection")
# How often a statement that PostgreSQL failed to break a deadlock is sent.
DEADLOCK_ATTEMPTS = 3


def _column(name: str) -> str:
    return connection.ops.quote_name(Outpost._meta.get_field(name).column)


@cache
def _statement(changed: tuple[str, ...]) -> tuple[str, tuple[Field, ...]]:
    """The statement changing the fields `changed`, and the event's fields
    whose values are parameters, in their order."""
    meta = Outpost._meta
    table = connection.ops.quote_name(meta.db_table)
    pk = _column("uuid")
    columns = [field.column for field in meta.concrete_fields]
    quoted = [connection.ops.quote_name(column) for column in columns]
    by_column = {meta.get_field(name).column: name for name in changed}
    # The new row: a parameter for each changed column, the stored value for
    # every other.
    new_values = ", ".join(
        f"%s::{meta.get_field(by_column[column]).db_type(connection)} AS {name}"
        if column in by_column
        else f"old.{name}"
        for column, name in zip(columns, quoted, strict=True)
    )
    # The embedded outpost's name and managed value have rules of their own,
    # which the locked path applies; this statement leaves it alone.
    guard = "TRUE"
    if {"name", "managed"} & set(changed):
        managed, name = _column("managed"), _column("name")
        guard = f"old.{managed} IS DISTINCT FROM %s AND old.{name} <> %s"
    changes = ", ".join(
        f"('{field}', CASE WHEN new.{column} IS DISTINCT FROM old.{column} "
        f"THEN jsonb_build_object('previous_value', old.{column}, "
        f"'new_value', new.{column}) END)"
        for field, column in ((field, _column(field)) for field in FIELDS)
        if field in changed
    )
    assignments = ", ".join(
        f"{_column(name)} = new.{_column(name)}" for name in FIELDS if name in changed
    )
    event_fields = tuple(Event._meta.concrete_fields)
    event_table = connection.ops.quote_name(Event._meta.db_table)
    event_columns = ", ".join(
        connection.ops.quote_name(field.column) for field in event_fields
    )
    # The event names the outpost as it is after the write, carries the diff
    # the database found, and is dated when the row is locked: a writer that
    # waited for another's lock is dated after it, so the audit log in date
    # order is the order in which the changes were made.
    written_values = {
        "context": (
            f"jsonb_set(%s::jsonb, '{{model,name}}', to_jsonb(new.{_column('name')}))"
            " || jsonb_build_object('diff', diff.diff)"
        ),
        "created": "clock_timestamp()",
    }
    event_values = ", ".join(
        written_values.get(field.name, f"%s::{field.db_type(connection)}")
        for field in event_fields
    )
    event_fields = tuple(field for field in event_fields if field.name != "created")
    sql = f"""
WITH old AS (
    SELECT {", ".join(quoted)} FROM {table} WHERE {pk} = %s FOR UPDATE
), new AS (
    SELECT {new_values} FROM old WHERE {guard}
), diff AS (
    SELECT coalesce(jsonb_object_agg(d.field, d.change), '{{}}'::jsonb) AS diff
    FROM old, new, LATERAL (VALUES {changes}) AS d(field, change)
    WHERE d.change IS NOT NULL
), written AS (
    UPDATE {table} SET {assignments} FROM new, diff
    WHERE {table}.{pk} = new.{pk} AND diff.diff <> '{{}}'::jsonb
), event AS (
    INSERT INTO {event_table} ({event_columns})
    SELECT {event_values} FROM new, diff WHERE diff.diff <> '{{}}'::jsonb
)
SELECT new.*, diff.diff FROM new, diff
"""
    return sql, event_fields


def outpost_fields_update(
    pk: UUID, changes: dict[str, Any], *, request=None, user=None
) -> tuple[Outpost, dict[str, Any], dict[str, list[ProviderRow]]] | None:
    """Apply validated `changes` to fields of `FIELDS` of the outpost `pk`.

    Returns the outpost as stored after, the diff (empty if nothing
    changed, and then nothing was written) and the outpost's providers; or
    None, having written nothing, when there is no such outpost or it is
    the embedded outpost, or is named as it, and the change touches its
    name or managed value. Runs in its own transaction unless the caller is
    in one. PostgreSQL only.
    """
    changed = tuple(name for name in FIELDS if name in changes)
    sql, event_fields = _statement(changed)
    meta = Outpost._meta
    key = meta.pk.get_db_prep_value(pk, connection)
    params: list[Any] = [key]
    for column in (field.column for field in meta.concrete_fields):
        for name in changed:
            field = meta.get_field(name)
            if field.column == column:
                value = changes[name]
                if field.is_relation:
                    value = None if value is None else value.pk
                params.append(field.get_db_prep_save(value, connection))
    if {"name", "managed"} & set(changed):
        params += [EMBEDDED_OUTPOST_MANAGED, EMBEDDED_OUTPOST_NAME]
    # The event, as it would be written for the outpost; its name and diff
    # are filled in by the statement.
    event = event_build(
        EventAction.MODEL_UPDATED,
        Outpost(pk=pk, name=""),
        request=request,
        user=user,
    )
    params += [
        field.get_db_prep_save(field.pre_save(event, add=True), connection)
        for field in event_fields
    ]
    for attempt in range(1, DEADLOCK_ATTEMPTS + 1):
        try:
            row, providers = _run(sql, params, key)
            break
        except OperationalError as exc:
            # Two renames into each other's names each wait for the other's
            # index entry; PostgreSQL ends the wait by failing one of them,
            # whose statement then did nothing and is sent again.
            if attempt == DEADLOCK_ATTEMPTS or not isinstance(
                exc.__cause__, errors.DeadlockDetected
            ):
                raise
    if row is None:
        return None
    fields = meta.concrete_fields
    outpost = Outpost.from_db(
        connection.alias,
        [field.attname for field in fields],
        row_values(fields, row[: len(fields)], connection.alias),
    )
    diff = row[len(fields)]
    if isinstance(diff, str):
        diff = json.loads(diff)
    if diff:
        outposts_notify([outpost.pk])
    return outpost, diff, providers


def _run(sql: str, params: list[Any], key) -> tuple[tuple | None, dict]:
    connection.ensure_connection()
    with (
        # In the caller's transaction a savepoint keeps a failed statement
        # (a name that is taken) from spoiling the rest of it.
        transaction.atomic() if connection.in_atomic_block else nullcontext(),
        connection.cursor() as cursor,
        connection.cursor() as provider_cursor,
    ):
        with pipelined(connection):
            # The providers go first: a failed write makes PostgreSQL skip
            # what follows it in the pipeline, which psycopg would then take
            # for prepared when it was not.
            provider_cursor.execute(provider_rows_sql(single=True), [key])
            cursor.execute(sql, params)
        return cursor.fetchone(), index_provider_rows(provider_cursor.fetchall())
