"""Counting the trigger-updates outposts' agents receive through the channel
layer, for in-process tests of writes that must notify them."""

import asyncio
from collections.abc import Callable, Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from outposts.services.notify import outpost_group


async def _drain(layer, channel: str) -> int:
    received = 0
    while True:
        try:
            await asyncio.wait_for(layer.receive(channel), 0.2)
        except TimeoutError:
            return received
        received += 1


def trigger_counts(
    outposts: Iterable, request: Callable[[], Any], capture_on_commit
) -> tuple[Any, dict[str, int]]:
    """Run `request`, commit hooks included, and count each outpost's triggers.

    `capture_on_commit` is pytest-django's `django_capture_on_commit_callbacks`:
    the test's transaction never commits, so the hooks are run by hand.
    """
    layer = get_channel_layer()
    channels = {}
    for outpost in outposts:
        channel = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(outpost_group(outpost.pk), channel)
        channels[outpost.name] = channel
    with capture_on_commit(execute=True):
        response = request()
    counts = {
        name: async_to_sync(_drain)(layer, channel)
        for name, channel in channels.items()
    }
    return response, counts
