"""Single-row statements, written once per model and columns.

The ORM compiles a statement anew for every save. On the API's most frequent
write, an outpost's UPDATE and its audit event's INSERT run while the
outpost's row is locked, and compiling them took longer than running them;
these helpers build each statement's text once and only convert the values
per call. They send no model signals: callers use them where none is wanted.

Inside `joined_writes()`, the writes go to PostgreSQL as one statement (the
others as data-modifying `WITH` clauses of the last), which the database
parses, plans and acknowledges once.
"""

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any

from django.db import connections
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
