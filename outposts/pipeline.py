"""Transactions whose statements go to PostgreSQL without waiting on each.

In psycopg's pipeline mode a statement whose result nobody reads yet is only
queued; the queue goes out, and its results come back, together at the next
point that needs one: a fetch, or the end of the block. A locked write of one
outpost then costs a round trip for its BEGIN, one for its read under lock
(with its providers), one for its UPDATE and audit INSERT, and one for the
COMMIT. Other databases run the statements one by one, as usual.

The pipeline is opened inside the transaction, not around it: psycopg
synchronises with the server whenever the connection's transaction mode
changes in pipeline mode, which would add two round trips more.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction


@contextmanager
def pipelined(connection) -> Iterator[None]:
    """The block's statements on `connection` (PostgreSQL) as one queue.

    Errors surface when the queue is sent, outside any cursor; they are
    turned into Django's exceptions here as a cursor would turn them.
    """
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
        return
    # The queue is sent before the block commits or releases its savepoint,
    # so an error in it rolls the block back as it should.
    with transaction.atomic(using=using), pipelined(connection):
        yield
