"""Single-row statements, written once per model and columns.

The ORM compiles a statement anew for every save. On the API's most frequent
write, an outpost's UPDATE and its audit event's INSERT run while the
outpost's row is locked, and compiling them took longer than running them;
these helpers build each statement's text once and only convert the values
per call. They send no model signals: callers use them where none is wanted.
"""

from collections.abc import Sequence
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


def row_insert(obj: Model, using: str = "default") -> None:
    """INSERT `obj`, whose primary key is set already, as one row."""
    sql, fields = _insert_sql(type(obj), using)
    connection = connections[using]
    values = [
        field.get_db_prep_save(field.pre_save(obj, add=True), connection)
        for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
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
    with connection.cursor() as cursor:
        cursor.execute(sql, values)


def row_values(
    fields: Sequence[Field], row: Sequence[Any], using: str = "default"
) -> list[Any]:
    """The Python values of `row`, read by a hand-written SELECT of `fields`.

    The database driver returns some values in a storage form of its own
    (SQLite gives datetimes as text and UUIDs as strings); the converters of
    the backend and the field turn them into what the ORM would return.
    """
    connection = connections[using]
    values = []
    for field, value in zip(fields, row, strict=True):
        # The backend's converters first, then the field's, as the ORM does.
        column = field.get_col(field.model._meta.db_table)
        converters = connection.ops.get_db_converters(column)
        for converter in [*converters, *field.get_db_converters(connection)]:
            value = converter(value, column, connection)
        values.append(value)
    return values
