"""Telling connected agents that their configuration changed.

Messages go out through the channel layer, and only once the transaction
that made the change has committed: a rolled-back change tells nobody.

One transaction often reaches the same outpost several times (an update
saves the row and its providers; deleting a provider deletes its parent row
too). Each call registers its own commit hook, so Django's rules for rolled
back savepoints apply unchanged, and the hooks of one transaction share a
record of the outposts already told, so each hears one trigger per commit.
"""

import asyncio
from collections.abc import Iterable
from uuid import UUID

import structlog
from asgiref.local import Local
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

LOGGER = structlog.get_logger(__name__)

TRIGGER_UPDATE = "outpost.trigger_update"


def outpost_group(outpost_pk: UUID | str) -> str:
    """Name of the channel-layer group that every agent of one outpost joins."""
    return f"outpost_{UUID(str(outpost_pk)).hex}"


class BindEventLoop:
    """ASGI middleware remembering the server's event loop.

    Writes run in worker threads; they hand their notifications to this loop,
    where the channel layer keeps its connections, instead of starting an
    event loop of their own for every message.
    """

    loop: asyncio.AbstractEventLoop | None = None

    def __init__(self, application) -> None:
        self.application = application

    async def __call__(self, scope, receive, send):
        BindEventLoop.loop = asyncio.get_running_loop()
        return await self.application(scope, receive, send)


async def _group_send(pks: list[str]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    for pk in pks:
        try:
            await layer.group_send(outpost_group(pk), {"type": TRIGGER_UPDATE})
        except Exception:  # a broker outage must not fail the committed write
            LOGGER.warning("outpost_notify_failed", outpost=pk, exc_info=True)


def _send(pks: Iterable[str]) -> None:
    ordered = sorted(pks)
    loop = BindEventLoop.loop
    if loop is not None and loop.is_running():
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is not loop:
            # The write's response need not wait for the broker.
            asyncio.run_coroutine_threadsafe(_group_send(ordered), loop)
            return
    async_to_sync(_group_send)(ordered)


class _CommitBatch:
    """The outposts already notified for one transaction's commit."""

    def __init__(self) -> None:
        self.sent: set[str] = set()
        self.delivering = False

    def deliver(self, pks: frozenset[str]) -> None:
        self.delivering = True
        fresh = pks - self.sent
        self.sent |= fresh
        _send(fresh)


# The batch of the transaction in progress, per database alias. Kept in the
# same kind of context-local storage as Django's connections, so it follows
# the connection across sync_to_async boundaries.
_batches = Local()


def _current_batch(alias: str) -> _CommitBatch:
    batch = getattr(_batches, alias, None)
    # A batch whose hooks have started running belongs to a committed
    # transaction; one left by a rollback never ran and is still empty.
    if batch is None or batch.delivering:
        batch = _CommitBatch()
        setattr(_batches, alias, batch)
    return batch


def outposts_notify(pks: Iterable[UUID | str], using: str | None = None) -> None:
    """Schedule a trigger-update for each outpost once the transaction commits."""
    pending = frozenset(str(UUID(str(pk))) for pk in pks)
    if not pending:
        return
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        _send(pending)
        return
    batch = _current_batch(connection.alias)
    transaction.on_commit(lambda: batch.deliver(pending), using=using)
