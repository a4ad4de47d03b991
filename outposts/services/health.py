"""The states agent instances report, kept in the cache for a short time.

With `REDIS_URL` set the cache is Redis, so every worker sees the states
recorded by any other; without it each worker keeps its own.

Each instance's state is a cache entry of its own, so two instances saying
hello at once on two workers cannot overwrite each other. A per-outpost
index lists the instance ids; it changes only when an instance is new, under
a short lock taken with the cache's atomic `add`.
"""

import hashlib
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

LIVE_FOR = timedelta(seconds=15)
# Entries outlive their liveness a little, then the cache drops them.
KEEP_FOR = int(LIVE_FOR.total_seconds()) * 4
# The index lock is held for a few cache round trips; a holder that died
# releases it by expiry.
LOCK_TIMEOUT = 5
LOCK_WAIT = 2.0


def _index_key(outpost_pk: UUID | str) -> str:
    return f"outpost_health_{UUID(str(outpost_pk)).hex}"


def _instance_key(outpost_pk: UUID | str, uid: str) -> str:
    # The uid comes from the agent: hash it into a key safe for any backend.
    digest = hashlib.sha256(uid.encode()).hexdigest()[:32]
    return f"{_index_key(outpost_pk)}_{digest}"


def health_record(outpost_pk: UUID | str, uid: str, state: dict | None = None) -> None:
    """Store what instance `uid` reported, and refresh its `last_seen`.

    Without `state`, only an instance that already said hello is refreshed:
    a state made of nothing but a timestamp would show in `health` as an
    agent with no version.
    """
    key = _instance_key(outpost_pk, uid)
    entry = cache.get(key)
    if entry is None:
        if state is None:
            return
        entry = {}
    if state is not None:
        entry = {**entry, **state}
    entry["last_seen"] = timezone.now().isoformat()
    cache.set(key, entry, timeout=KEEP_FOR)

    index_key = _index_key(outpost_pk)
    if uid in (cache.get(index_key) or ()):
        cache.touch(index_key, KEEP_FOR)
        return
    with _index_lock(outpost_pk):
        index = cache.get(index_key) or []
        present = cache.get_many([_instance_key(outpost_pk, other) for other in index])
        live = {other for other in index if _instance_key(outpost_pk, other) in present}
        cache.set(index_key, sorted(live | {uid}), timeout=KEEP_FOR)


@contextmanager
def _index_lock(outpost_pk: UUID | str) -> Iterator[None]:
    """Hold the outpost's index lock, or give up waiting after LOCK_WAIT.

    Giving up keeps a stuck lock from stopping hellos; at worst an update is
    lost and the instance it dropped is added back at its next hello.
    """
    key = f"{_index_key(outpost_pk)}_lock"
    deadline = time.monotonic() + LOCK_WAIT
    acquired = cache.add(key, True, timeout=LOCK_TIMEOUT)
    while not acquired and time.monotonic() < deadline:
        time.sleep(0.005)
        acquired = cache.add(key, True, timeout=LOCK_TIMEOUT)
    try:
        yield
    finally:
        if acquired:
            cache.delete(key)


def health_list(outpost_pk: UUID | str) -> list[dict]:
    """The instances of an outpost seen within the last 15 seconds, by uid."""
    uids = sorted(cache.get(_index_key(outpost_pk)) or ())
    keys = {_instance_key(outpost_pk, uid): uid for uid in uids}
    states = cache.get_many(list(keys))
    cutoff = timezone.now() - LIVE_FOR
    version_should = settings.AUTHENTIK_VERSION
    entries = []
    for key, uid in keys.items():
        state = states.get(key)
        if state is None:
            continue
        last_seen = datetime.fromisoformat(state["last_seen"])
        if last_seen < cutoff:
            continue
        version = str(state.get("version", ""))
        entries.append(
            {
                "uid": uid,
                "last_seen": last_seen,
                "version": version,
                "golang_version": str(state.get("golangVersion", "")),
                "openssl_enabled": bool(state.get("opensslEnabled", False)),
                "openssl_version": str(state.get("opensslVersion", "")),
                "fips_enabled": state.get("fipsEnabled"),
                "version_should": version_should,
                "version_outdated": _is_outdated(version, version_should),
                "build_hash": str(state.get("buildHash", "")),
                "build_hash_should": settings.BUILD_HASH,
                "hostname": str(state.get("hostname", "")),
            }
        )
    return entries


def _version_tuple(version: str) -> tuple[int, ...]:
    """Numeric release parts: `2026.8.5-rc1` is (2026, 8, 5)."""
    parts = []
    for piece in version.strip().lstrip("v").split("."):
        digits = re.match(r"\d+", piece)
        if digits is None:
            break
        parts.append(int(digits.group()))
    return tuple(parts)


def _is_outdated(version: str, version_should: str) -> bool:
    return _version_tuple(version) < _version_tuple(version_should)
