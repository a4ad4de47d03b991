"""Single-row statements, written once per model and columns.

The ORM compiles a statement anew for every save. On the API's most frequent
write, an outpost's UPDATE and its audit event's INSERT run while the
outpost's row is locked, and compiling them took longer than running them;
these helpers build each statement's text once and only convert the values
per call. They send no model signals: callers use them where none is wanted.

Inside `joined_writes()`, the writes go to PostgreSQL as one statement (the
others as data-modifying `WITH` clauses of the last), which the database
parses, plans and acknowledges once. `row_update_if_unchanged` is the same
kind of statement for a write made without holding the row's lock: it
applies only if the row is still the version that was read.
"""

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from functools import cache
from typing import Any

from django.db import connections, transaction
from django.db.models import Field, Model


def _quote(using: str, name: str) -> str:
    return connections[using].ops.quote_name(name)


@cache
def _insert_sql(model: type[Model], using: str) -> tuple[str, tuple[Field, ...]]:
    fields = tuple(model._meta.concrete_fields)
    columns = ", ".join(_quote(using, field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    table = _quote(using, model._meta.db_table)
    return f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", fields


@cache
def _update_sql(
    model: type[Model], names: tuple[str, ...], using: str
) -> tuple[str, tuple[Field, ...]]:
    meta = model._meta
    fields = tuple(meta.get_field(name) for name in names)
    assignments = ", ".join(f"{_quote(using, field.column)} = %s" for field in fields)
    table = _quote(using, meta.db_table)
    return (
        f"UPDATE {table} SET {assignments} WHERE {_quote(using, meta.pk.column)} = %s",
        fields,
    )


_joined = threading.local()


@contextmanager
def joined_writes(using: str = "default") -> Iterator[None]:
    """Send the `row_insert` and `row_update` statements made inside as one.

    They run when the block ends without an error, in the order they were
    made; on databases without data-modifying `WITH` clauses, one by one.
    The writes must not depend on each other: they all see the rows as they
    were before the statement.
    """
    connection = connections[using]
    if getattr(_joined, "block", None) is not None:
        yield  # an enclosing block sends them
        return
    pending: list[tuple[str, list[Any]]] = []
    _joined.block = (using, pending)
    try:
        yield
    finally:
        _joined.block = None
    if not pending:
        return
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql" or len(pending) == 1:
            for sql, values in pending:
                cursor.execute(sql, values)
            return
        *leading, (last_sql, _) = pending
        clauses = ", ".join(
            f"w{index} AS ({sql})" for index, (sql, _) in enumerate(leading)
        )
        cursor.execute(
            f"WITH {clauses} {last_sql}",
            [value for _, values in pending for value in values],
        )


def _execute(connection, sql: str, values: list[Any]) -> None:
    block = getattr(_joined, "block", None)
    if block is not None and block[0] == connection.alias:
        block[1].append((sql, values))
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, values)


def row_insert(obj: Model, using: str = "default") -> None:
    """INSERT `obj`, whose primary key is set already, as one row."""
    sql, fields = _insert_sql(type(obj), using)
    connection = connections[using]
    values = [
        field.get_db_prep_save(field.pre_save(obj, add=True), connection)
        for field in fields
    ]
    _execute(connection, sql, values)
    obj._state.adding = False
    obj._state.db = using


def row_update(obj: Model, names: list[str], using: str = "default") -> None:
    """UPDATE the columns of `names` of `obj`'s row to the values `obj` holds."""
    sql, fields = _update_sql(type(obj), tuple(names), using)
    connection = connections[using]
    values = [
        field.get_db_prep_save(getattr(obj, field.attname), connection)
        for field in fields
    ]
    values.append(obj._meta.pk.get_db_prep_value(obj.pk, connection))
    _execute(connection, sql, values)


@cache
def _insert_select_sql(model: type[Model], using: str) -> tuple[str, tuple[Field, ...]]:
    # Selected values take no type from the column they go to, as listed
    # ones do; each is cast to its column's type instead.
    connection = connections[using]
    fields = tuple(model._meta.concrete_fields)
    columns = ", ".join(_quote(using, field.column) for field in fields)
    values = ", ".join(f"%s::{field.db_type(connection)}" for field in fields)
    table = _quote(using, model._meta.db_table)
    return f"INSERT INTO {table} ({columns}) SELECT {values} FROM ", fields


class RowChanged(Exception):
    """A row is no longer the version that a write made without its lock
    was based on; nothing was written."""


# What a SELECT of a row adds to read the version `row_update_if_unchanged`
# compares (PostgreSQL).
ROW_VERSION_SQL = "xmin::text"


def row_update_if_unchanged(
    obj: Model,
    names: list[str],
    version: str,
    *,
    then_insert: Sequence[Model] = (),
    using: str = "default",
) -> bool:
    """UPDATE the columns of `names` of `obj`'s row, and INSERT each object of
    `then_insert`, only if the row is still at `version`; return whether
    they were applied.

    `version` is what `ROW_VERSION_SQL` read with the row: PostgreSQL's
    `xmin`, the transaction that wrote the row's current version, which
    every UPDATE changes and a lock does not. The UPDATE and the INSERTs are
    one statement, so they are applied together or not at all, in their own
    transaction unless the caller is in one. PostgreSQL only.
    """
    connection = connections[using]
    update_sql, fields = _update_sql(type(obj), tuple(names), using)
    values = [
        field.get_db_prep_save(getattr(obj, field.attname), connection)
        for field in fields
    ]
    values.append(obj._meta.pk.get_db_prep_value(obj.pk, connection))
    values.append(version)
    guarded = f"{update_sql} AND xmin = %s::xid"
    statements = []
    for other in then_insert:
        insert_sql, insert_fields = _insert_select_sql(type(other), using)
        statements.append(f"{insert_sql}w0")
        values.extend(
            field.get_db_prep_save(field.pre_save(other, add=True), connection)
            for field in insert_fields
        )
    if statements:
        *leading, last = statements
        clauses = [f"w0 AS ({guarded} RETURNING 1)"]
        clauses += [f"w{index} AS ({sql})" for index, sql in enumerate(leading, 1)]
        sql = f"WITH {', '.join(clauses)} {last}"
    else:
        sql = guarded
    # Inside the caller's transaction a savepoint keeps a failed statement
    # (a taken unique value) from spoiling the rest of it; on its own the
    # statement is a transaction already.
    with (
        transaction.atomic(using=using)
        if connection.in_atomic_block
        else nullcontext(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, values)
        applied = cursor.rowcount == 1
    if applied:
        for other in then_insert:
            other._state.adding = False
            other._state.db = using
    return applied


@cache
def _converters(fields: tuple[Field, ...], using: str) -> tuple[tuple, ...]:
    # The backend's converters first, then the field's, as the ORM applies
    # them; both depend only on the field and the kind of database.
    connection = connections[using]
    found = []
    for field in fields:
        column = field.get_col(field.model._meta.db_table)
        converters = (
            *connection.ops.get_db_converters(column),
            *field.get_db_converters(connection),
        )
        found.append((column, converters))
    return tuple(found)


def row_values(
    fields: Sequence[Field], row: Sequence[Any], using: str = "default"
) -> list[Any]:
    """The Python values of `row`, read by a hand-written SELECT of `fields`.

    The database driver returns some values in a storage form of its own
    (SQLite gives datetimes as text and UUIDs as strings); the converters of
    the backend and the field turn them into what the ORM would return.
    """
    connection = connections[using]
    values = list(row)
    for index, (column, converters) in enumerate(_converters(tuple(fields), using)):
        for converter in converters:
            values[index] = converter(values[index], column, connection)
    return values
