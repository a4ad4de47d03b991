"""Reading the parts of a kubeconfig document that reach one API server.

Only the current context matters: it names a cluster (where the API server is
and how to trust it) and a user (how to authenticate to it).
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class KubeTarget:
    """The cluster and user entries the current context of a kubeconfig names."""

    server: str
    cluster: dict[str, Any]
    user: dict[str, Any]


def _named(entries: Any, name: str, body_key: str) -> dict[str, Any] | None:
    """The `body_key` object of the entry called `name` in a kubeconfig list."""
    if not isinstance(entries, list):
        return None
    for entry in entries:
        if isinstance(entry, dict) and entry.get("name") == name:
            body = entry.get(body_key)
            return body if isinstance(body, dict) else None
    return None


def _is_server_url(server: Any) -> bool:
    if not isinstance(server, str):
        return False
    try:
        parts = urlsplit(server)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def kubeconfig_target(kubeconfig: dict[str, Any]) -> KubeTarget | None:
    """Resolve the current context to its cluster and user, or None if it cannot."""
    current = kubeconfig.get("current-context")
    if not isinstance(current, str) or not current:
        return None
    context = _named(kubeconfig.get("contexts"), current, "context")
    if context is None:
        return None
    cluster_name, user_name = context.get("cluster"), context.get("user")
    if not isinstance(cluster_name, str) or not isinstance(user_name, str):
        return None
    cluster = _named(kubeconfig.get("clusters"), cluster_name, "cluster")
    user = _named(kubeconfig.get("users"), user_name, "user")
    if cluster is None or user is None or not _is_server_url(cluster.get("server")):
        return None
    return KubeTarget(server=cluster["server"], cluster=cluster, user=user)
