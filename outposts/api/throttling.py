"""Throttling of failed authentications, counted per client address.

Only a request whose credentials are refused is counted, and the counter is
consulted only then: a request with a valid token costs nothing here and is
never throttled, whatever its address did before. Counters live in the Django
cache, so several workers share them when the cache is Redis.

The window is fixed (it starts on a multiple of its length), which needs no
more than one atomic increment per failure; an address may at worst fail
twice the limit across the boundary of two windows.
"""

import math
import time

import structlog
from django.conf import settings
from django.core.cache import cache
from rest_framework.exceptions import Throttled

LOGGER = structlog.get_logger(__name__)
KEY_PREFIX = "auth-failures"


class AuthenticationThrottled(Throttled):
    """429 with `Retry-After`, worded the same for every wait, one second included."""

    def __init__(self, wait: int):
        super().__init__(
            detail=f"Request was throttled. Expected available in {wait} seconds."
        )
        self.wait = wait


def client_address(request) -> str:
    """The address the request came from, as the server saw it.

    Behind a reverse proxy the server (uvicorn) already replaces it with the
    proxy's `X-Forwarded-For` when the proxy is trusted (`FORWARDED_ALLOW_IPS`).
    """
    return request.META.get("REMOTE_ADDR") or "unknown"


def authentication_failure_record(request) -> None:
    """Count one failed authentication; raise `AuthenticationThrottled` past the limit.

    Called after the credentials were refused, so the caller's own error (403)
    stands while the address is under the limit.
    """
    limit: int = settings.AUTH_FAILURE_LIMIT
    window: int = settings.AUTH_FAILURE_WINDOW
    address = client_address(request)
    now = time.time()
    window_start = int(now // window) * window
    key = f"{KEY_PREFIX}:{address}:{window_start}"
    # `add` creates the counter only if it is missing; `incr` is atomic in
    # Redis and under the local-memory cache's lock.
    cache.add(key, 0, timeout=window + 1)
    try:
        failures = cache.incr(key)
    except ValueError:
        # The counter expired between the two calls: this failure opens it again.
        cache.add(key, 1, timeout=window + 1)
        failures = 1
    if failures <= limit:
        return
    wait = max(1, math.ceil(window_start + window - now))
    LOGGER.warning(
        "authentication_throttled",
        path=request.path,
        client_ip=address,
        failures=failures,
        retry_after=wait,
    )
    raise AuthenticationThrottled(wait)
