"""Telling connected agents that their configuration changed.

Messages go out through the channel layer, and only once the transaction
that made the change has committed: a rolled-back change tells nobody.
"""

from collections.abc import Iterable
from uuid import UUID

import structlog
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

LOGGER = structlog.get_logger(__name__)

TRIGGER_UPDATE = "outpost.trigger_update"


def outpost_group(outpost_pk: UUID | str) -> str:
    """Name of the channel-layer group that every agent of one outpost joins."""
    return f"outpost_{UUID(str(outpost_pk)).hex}"


def _send(pks: frozenset[str]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    for pk in pks:
        try:
            async_to_sync(layer.group_send)(outpost_group(pk), {"type": TRIGGER_UPDATE})
        except Exception:  # a broker outage must not fail the committed write
            LOGGER.warning("outpost_notify_failed", outpost=pk, exc_info=True)


def outposts_notify(pks: Iterable[UUID | str]) -> None:
    """Schedule a trigger-update for each outpost once the transaction commits."""
    pending = frozenset(str(pk) for pk in pks)
    if pending:
        transaction.on_commit(lambda: _send(pending))
