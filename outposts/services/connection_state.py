"""Whether a service connection's endpoint answers, and which version it runs.

The state is measured: Docker's `/version` endpoint for a Docker connection,
the API server's `/version` for a Kubernetes cluster. A probe never holds the
caller longer than `STATE_TIMEOUT_SECONDS`, and its result is cached for
`STATE_CACHE_SECONDS` so that a page of connections does not wait on the
network once per row.
"""

import base64
import os
import ssl
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import structlog
from django.conf import settings
from django.core.cache import cache

from outposts.models import (
    DockerServiceConnection,
    KubernetesServiceConnection,
    OutpostServiceConnection,
)
from outposts.services.kubeconfig import kubeconfig_target

LOGGER = structlog.get_logger(__name__)

STATE_TIMEOUT_SECONDS = 2.0
STATE_CACHE_SECONDS = 10
DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock"
DEFAULT_SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"

# Probes run here so that the caller can stop waiting at the deadline even
# when a peer keeps a connection open and trickles bytes.
_PROBES = ThreadPoolExecutor(max_workers=8, thread_name_prefix="connection-state")


@dataclass(frozen=True)
class ConnectionState:
    healthy: bool
    version: str


UNHEALTHY = ConnectionState(healthy=False, version="")

Probe = Callable[[], ConnectionState]


def _cache_key(pk) -> str:
    return f"outposts:connection_state:{pk}"


def connection_state(connection: OutpostServiceConnection) -> ConnectionState:
    """The cached or freshly measured state of `connection`."""
    key = _cache_key(connection.pk)
    cached = cache.get(key)
    if cached is not None:
        return ConnectionState(**cached)
    state = _measure(connection)
    cache.set(key, asdict(state), STATE_CACHE_SECONDS)
    return state


def connection_state_forget(pk) -> None:
    """Drop the cached state, after the connection was changed or deleted."""
    cache.delete(_cache_key(pk))


def _measure(connection: OutpostServiceConnection) -> ConnectionState:
    # Everything the probe needs is read from the database here: the probe
    # thread must not open database connections of its own.
    kind = connection.concrete()
    if isinstance(kind, DockerServiceConnection):
        probe = _docker_probe(kind)
    elif isinstance(kind, KubernetesServiceConnection):
        probe = _kubernetes_probe(kind)
    else:
        return UNHEALTHY
    future = _PROBES.submit(probe)
    try:
        return future.result(timeout=STATE_TIMEOUT_SECONDS)
    except FutureTimeout:
        # A probe still queued behind stalled ones is not started at all.
        future.cancel()
        LOGGER.info("connection_state_timeout", connection=str(connection.pk))
        return UNHEALTHY


def _unverified_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _load_client_cert(context: ssl.SSLContext, cert: bytes, key: bytes) -> None:
    # `load_cert_chain` only reads files; the PEMs live on disk for a moment.
    with tempfile.TemporaryDirectory() as directory:
        cert_path = Path(directory, "cert.pem")
        key_path = Path(directory, "key.pem")
        cert_path.write_bytes(cert)
        key_path.touch(mode=0o600)
        key_path.write_bytes(key)
        context.load_cert_chain(cert_path, key_path)


def _get_json(
    url: str, *, transport=None, verify: Any = True, headers=None
) -> dict[str, Any]:
    timeout = httpx.Timeout(STATE_TIMEOUT_SECONDS)
    with httpx.Client(transport=transport, verify=verify, timeout=timeout) as client:
        response = client.get(url, headers=headers)
    response.raise_for_status()
    body = response.json()
    if not isinstance(body, dict):
        raise ValueError("the version endpoint did not answer with an object")
    return body


def _guarded(connection_pk, measure: Callable[[], str]) -> Probe:
    """Wrap `measure` (which returns a version) into a probe that never raises."""

    def probe() -> ConnectionState:
        try:
            version = measure()
        # Whatever goes wrong while reaching the endpoint (network, TLS, a
        # malformed answer or certificate), the endpoint is not usable.
        except Exception as exc:
            LOGGER.info(
                "connection_state_unhealthy",
                connection=str(connection_pk),
                error=exc.__class__.__name__,
            )
            return UNHEALTHY
        if not isinstance(version, str) or not version:
            return UNHEALTHY
        return ConnectionState(healthy=True, version=version)

    return probe


def _docker_probe(connection: DockerServiceConnection) -> Probe:
    url = connection.url
    if connection.local:
        # Like the Docker CLI: DOCKER_HOST, else the default socket; `tcp://`
        # there means plain HTTP.
        url = os.environ.get("DOCKER_HOST") or DEFAULT_DOCKER_HOST
        if url.startswith("tcp://"):
            url = "http://" + url[len("tcp://") :]
    ca = connection.tls_verification
    client = connection.tls_authentication
    ca_pem = ca.certificate_data if ca else None
    client_pems = (client.certificate_data, client.key_data) if client else None

    def measure() -> str:
        if url.startswith("unix://"):
            transport = httpx.HTTPTransport(uds=url[len("unix://") :])
            body = _get_json("http://docker/version", transport=transport)
            return body.get("Version", "")
        context = (
            ssl.create_default_context(cadata=ca_pem)
            if ca_pem
            else _unverified_context()
        )
        if client_pems is not None:
            _load_client_cert(context, client_pems[0].encode(), client_pems[1].encode())
        body = _get_json(f"{url.rstrip('/')}/version", verify=context)
        return body.get("Version", "")

    return _guarded(connection.pk, measure)


def _b64(value: Any) -> bytes:
    if not isinstance(value, str):
        raise ValueError("expected base64 text")
    return base64.b64decode(value, validate=False)


def _cluster_context(cluster: dict[str, Any], verify_ssl: bool) -> ssl.SSLContext:
    if not verify_ssl or cluster.get("insecure-skip-tls-verify") is True:
        return _unverified_context()
    if "certificate-authority-data" in cluster:
        pem = _b64(cluster["certificate-authority-data"]).decode("ascii", "replace")
        return ssl.create_default_context(cadata=pem)
    if isinstance(cluster.get("certificate-authority"), str):
        return ssl.create_default_context(cafile=cluster["certificate-authority"])
    return ssl.create_default_context()


def _user_credentials(user: dict[str, Any], context: ssl.SSLContext) -> dict:
    """Load the user's client certificate into `context`; return auth headers."""
    if "client-certificate-data" in user and "client-key-data" in user:
        cert = _b64(user["client-certificate-data"])
        key = _b64(user["client-key-data"])
        _load_client_cert(context, cert, key)
    elif isinstance(user.get("client-certificate"), str) and isinstance(
        user.get("client-key"), str
    ):
        context.load_cert_chain(user["client-certificate"], user["client-key"])
    token = user.get("token")
    if isinstance(token, str) and token:
        return {"Authorization": f"Bearer {token}"}
    return {}


def _in_cluster_server() -> str | None:
    host = os.environ.get("KUBERNETES_SERVICE_HOST")
    port = os.environ.get("KUBERNETES_SERVICE_PORT")
    if not host or not port:
        return None
    if ":" in host:
        host = f"[{host}]"
    return f"https://{host}:{port}"


def _kubernetes_probe(connection: KubernetesServiceConnection) -> Probe:
    verify_ssl = connection.verify_ssl
    kubeconfig = connection.kubeconfig
    account_dir = Path(
        getattr(settings, "OUTPOSTS_KUBERNETES_SERVICE_ACCOUNT_DIR", None)
        or DEFAULT_SERVICE_ACCOUNT_DIR
    )

    def measure_in_cluster() -> str:
        server = _in_cluster_server()
        if server is None:
            raise ValueError("not running inside a Kubernetes cluster")
        token = (account_dir / "token").read_text().strip()
        context = (
            ssl.create_default_context(cafile=account_dir / "ca.crt")
            if verify_ssl
            else _unverified_context()
        )
        headers = {"Authorization": f"Bearer {token}"}
        body = _get_json(f"{server}/version", verify=context, headers=headers)
        return body.get("gitVersion", "")

    def measure_kubeconfig() -> str:
        target = kubeconfig_target(kubeconfig) if isinstance(kubeconfig, dict) else None
        if target is None:
            raise ValueError("the kubeconfig has no usable current context")
        context = _cluster_context(target.cluster, verify_ssl)
        headers = _user_credentials(target.user, context)
        server = target.server.rstrip("/")
        verify: Any = context if urlsplit(server).scheme == "https" else False
        body = _get_json(f"{server}/version", verify=verify, headers=headers)
        return body.get("gitVersion", "")

    # A local connection always uses the pod's service account.
    measure = measure_in_cluster if connection.local else measure_kubeconfig
    return _guarded(connection.pk, measure)
