"""The states agent instances report, kept in the cache for a short time.

With `REDIS_URL` set the cache is Redis, so every worker sees the states
recorded by any other; without it each worker keeps its own.
"""

from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

LIVE_FOR = timedelta(seconds=15)


def _key(outpost_pk: UUID | str) -> str:
    return f"outpost_health_{UUID(str(outpost_pk)).hex}"


def health_record(outpost_pk: UUID | str, uid: str, state: dict | None = None) -> None:
    """Store what instance `uid` reported (or only refresh it when `state` is None)."""
    key = _key(outpost_pk)
    instances: dict = cache.get(key) or {}
    entry = instances.get(uid, {})
    if state is not None:
        entry = {**entry, **state}
    entry["last_seen"] = timezone.now().isoformat()
    instances[uid] = entry
    cache.set(key, instances, timeout=int(LIVE_FOR.total_seconds()) * 4)


def health_list(outpost_pk: UUID | str) -> list[dict]:
    """The instances of an outpost seen within the last 15 seconds, by uid."""
    instances: dict = cache.get(_key(outpost_pk)) or {}
    cutoff = timezone.now() - LIVE_FOR
    version_should = settings.AUTHENTIK_VERSION
    entries = []
    for uid in sorted(instances):
        state = instances[uid]
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
    parts = []
    for piece in version.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def _is_outdated(version: str, version_should: str) -> bool:
    return _version_tuple(version) < _version_tuple(version_should)
