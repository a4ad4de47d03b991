"""Transactions whose statements go to PostgreSQL without waiting on each.

In psycopg's pipeline mode a statement whose result nobody reads yet is only
queued; the queue goes out, and its results come back, together at the next
point that needs one: a fetch, or the commit. A write of one outpost then
costs one round trip for its read under lock and one for its UPDATE, its
audit INSERT and the COMMIT together, so the row lock is held for one round
trip where it was held for three. Other databases run the statements one by
one, as usual.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction


@contextmanager
def _pipeline(connection) -> Iterator[None]:
    # Errors surface when the queue is sent, outside any cursor; they are
    # turned into Django's exceptions here as a cursor would turn them.
    with connection.wrap_database_errors, connection.connection.pipeline():
        yield


@contextmanager
def atomic_pipelined(using: str | None = None) -> Iterator[None]:
    """`transaction.atomic()`, with its statements pipelined on PostgreSQL."""
    connection = transaction.get_connection(using)
    if connection.vendor != "postgresql":
        with transaction.atomic(using=using):
            yield
        return
    connection.ensure_connection()
    if connection.connection.pgconn.pipeline_status:
        # A caller further up is pipelining already.
        with transaction.atomic(using=using):
            yield
    elif connection.in_atomic_block:
        # Inside a savepoint the queue is sent before the savepoint is
        # released, so an error in it rolls the savepoint back as it should.
        with transaction.atomic(using=using), _pipeline(connection):
            yield
    else:
        # The COMMIT joins the queue; an error anywhere in it fails the
        # commit, which Django answers with a rollback.
        with _pipeline(connection), transaction.atomic(using=using):
            yield
