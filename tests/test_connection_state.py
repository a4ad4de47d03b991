"""`all/{uuid}/state/` measured against real endpoints started by the tests:
Docker daemons on a unix socket or a port, Kubernetes API servers over HTTP(S),
and endpoints that accept a connection and never answer."""

import base64
import tempfile
from pathlib import Path

import pytest
from django.core.cache import cache
from guardian.shortcuts import assign_perm

from outposts.models import (
    CertificateKeyPair,
    DockerServiceConnection,
    KubernetesServiceConnection,
)
from outposts.services.connection_state import STATE_TIMEOUT_SECONDS
from tests.fake_daemons import (
    DOCKER_VERSION,
    KUBERNETES_VERSION,
    closed_port,
    elapsed,
    http_endpoint,
    make_certificates,
    stalling_endpoint,
)

ALL = "/api/v3/outposts/service_connections/all/"
HEALTHY_DOCKER = {"healthy": True, "version": "27.0.1"}
HEALTHY_KUBERNETES = {"healthy": True, "version": "v1.30.2"}
UNHEALTHY = {"healthy": False, "version": ""}
# The deadline plus room for the request's own work on a loaded machine.
WITHIN_TIMEOUT = STATE_TIMEOUT_SECONDS + 1.0


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def socket_dir():
    # Unix socket paths are limited to about 100 bytes; pytest's are longer.
    with tempfile.TemporaryDirectory(prefix="sc-") as directory:
        yield Path(directory)


@pytest.fixture
def endpoints():
    """Start fake endpoints; stop them all after the test."""
    started = []

    def start(factory, *args, **kwargs):
        endpoint = factory(*args, **kwargs)
        started.append(endpoint)
        return endpoint

    yield start
    for endpoint in started:
        endpoint.stop()


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return make_certificates(tmp_path_factory.mktemp("certs"))


def docker(url: str, **fields) -> DockerServiceConnection:
    return DockerServiceConnection.objects.create(name="docker", url=url, **fields)


def kubeconfig(server: str, cluster=None, user=None) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "test",
        "contexts": [{"name": "test", "context": {"cluster": "c", "user": "u"}}],
        "clusters": [{"name": "c", "cluster": {"server": server, **(cluster or {})}}],
        "users": [{"name": "u", "user": user or {}}],
    }


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def state(client, connection) -> dict:
    response = client.get(f"{ALL}{connection.pk}/state/")
    assert response.status_code == 200, response.json()
    return response.json()


def test_docker_on_a_unix_socket_is_healthy(admin_client, endpoints, socket_dir):
    daemon = endpoints(http_endpoint, DOCKER_VERSION, unix=socket_dir / "d.sock")

    assert state(admin_client, docker(daemon.url)) == HEALTHY_DOCKER
    assert [seen.path for seen in daemon.requests] == ["/version"]


def test_docker_over_http_is_healthy(admin_client, endpoints):
    daemon = endpoints(http_endpoint, DOCKER_VERSION)

    assert state(admin_client, docker(daemon.url + "/")) == HEALTHY_DOCKER
    assert [seen.path for seen in daemon.requests] == ["/version"]


@pytest.mark.parametrize("scheme", ["unix", "tcp"])
def test_local_docker_uses_docker_host(
    admin_client, endpoints, socket_dir, monkeypatch, scheme
):
    if scheme == "unix":
        daemon = endpoints(http_endpoint, DOCKER_VERSION, unix=socket_dir / "d.sock")
        monkeypatch.setenv("DOCKER_HOST", daemon.url)
    else:
        daemon = endpoints(http_endpoint, DOCKER_VERSION)
        monkeypatch.setenv("DOCKER_HOST", daemon.url.replace("http://", "tcp://"))

    connection = docker("unix:///nowhere.sock", local=True)

    assert state(admin_client, connection) == HEALTHY_DOCKER
    assert len(daemon.requests) == 1


def test_state_is_cached(admin_client, endpoints, socket_dir):
    daemon = endpoints(http_endpoint, DOCKER_VERSION, unix=socket_dir / "d.sock")
    connection = docker(daemon.url)

    first = state(admin_client, connection)
    second = state(admin_client, connection)

    assert first == second == HEALTHY_DOCKER
    assert len(daemon.requests) == 1


def test_changing_the_connection_measures_again(
    admin_client, endpoints, socket_dir, django_capture_on_commit_callbacks
):
    daemon = endpoints(http_endpoint, DOCKER_VERSION, unix=socket_dir / "d.sock")
    connection = docker(f"unix://{socket_dir}/missing.sock")
    assert state(admin_client, connection) == UNHEALTHY

    # The cached state is dropped when the change commits.
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.patch(
            f"/api/v3/outposts/service_connections/docker/{connection.pk}/",
            {"url": daemon.url},
        )

    assert response.status_code == 200
    assert state(admin_client, connection) == HEALTHY_DOCKER


@pytest.mark.parametrize("where", ["unix", "port"])
def test_silent_docker_is_unhealthy_within_the_timeout(
    admin_client, endpoints, socket_dir, where
):
    silent = endpoints(
        stalling_endpoint, unix=socket_dir / "s.sock" if where == "unix" else None
    )

    body, seconds = elapsed(lambda: state(admin_client, docker(silent.url)))

    assert body == UNHEALTHY
    assert seconds < WITHIN_TIMEOUT
    assert len(silent.accepted) == 1


def test_trickling_docker_is_cut_off_at_the_timeout(admin_client, endpoints):
    slow = endpoints(stalling_endpoint, trickle=True)

    body, seconds = elapsed(lambda: state(admin_client, docker(slow.url)))

    assert body == UNHEALTHY
    assert STATE_TIMEOUT_SECONDS - 0.5 < seconds < WITHIN_TIMEOUT


def test_unhealthy_result_is_cached_too(admin_client, endpoints):
    silent = endpoints(stalling_endpoint)
    connection = docker(silent.url)
    state(admin_client, connection)

    body, seconds = elapsed(lambda: state(admin_client, connection))

    assert body == UNHEALTHY
    assert seconds < 0.5
    assert len(silent.accepted) == 1


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (DOCKER_VERSION, 500),
        ({"Os": "linux"}, 200),
        ({"Version": ""}, 200),
        ({"Version": 27}, 200),
    ],
)
def test_docker_with_a_bad_answer_is_unhealthy(admin_client, endpoints, body, status):
    daemon = endpoints(http_endpoint, body, status=status)

    assert state(admin_client, docker(daemon.url)) == UNHEALTHY
    assert len(daemon.requests) == 1


def test_docker_refusing_connections_is_unhealthy(admin_client, db):
    connection = docker(f"http://127.0.0.1:{closed_port()}")

    assert state(admin_client, connection) == UNHEALTHY


def test_docker_tls_with_ca_and_client_certificate(admin_client, endpoints, certs):
    daemon = endpoints(
        http_endpoint, DOCKER_VERSION, tls=certs.server_context(require_client=True)
    )
    ca = CertificateKeyPair.objects.create(
        name="ca", certificate_data=certs.text("ca.crt")
    )
    client = CertificateKeyPair.objects.create(
        name="client",
        certificate_data=certs.text("client.crt"),
        key_data=certs.text("client.key"),
    )

    healthy = docker(daemon.url, tls_verification=ca, tls_authentication=client)

    assert state(admin_client, healthy) == HEALTHY_DOCKER
    assert daemon.requests[0].client_cert is True


def test_docker_tls_verifies_against_the_given_ca(admin_client, endpoints, certs):
    daemon = endpoints(http_endpoint, DOCKER_VERSION, tls=certs.server_context())
    # The server's own certificate is not a CA that signed it.
    wrong_ca = CertificateKeyPair.objects.create(
        name="wrong", certificate_data=certs.text("client.crt")
    )

    connection = docker(daemon.url, tls_verification=wrong_ca)

    assert state(admin_client, connection) == UNHEALTHY
    assert daemon.requests == []


def test_kubernetes_over_http_with_a_token(admin_client, endpoints):
    api = endpoints(http_endpoint, KUBERNETES_VERSION)
    connection = KubernetesServiceConnection.objects.create(
        name="k", kubeconfig=kubeconfig(api.url, user={"token": "cluster-token"})
    )

    assert state(admin_client, connection) == HEALTHY_KUBERNETES
    assert api.requests[0].path == "/version"
    assert api.requests[0].authorization == "Bearer cluster-token"


def test_kubernetes_https_with_ca_data_and_client_certificate(
    admin_client, endpoints, certs
):
    api = endpoints(
        http_endpoint,
        KUBERNETES_VERSION,
        tls=certs.server_context(require_client=True),
    )
    config = kubeconfig(
        api.url,
        cluster={"certificate-authority-data": b64(certs.text("ca.crt"))},
        user={
            "client-certificate-data": b64(certs.text("client.crt")),
            "client-key-data": b64(certs.text("client.key")),
        },
    )
    connection = KubernetesServiceConnection.objects.create(name="k", kubeconfig=config)

    assert state(admin_client, connection) == HEALTHY_KUBERNETES
    assert api.requests[0].client_cert is True


@pytest.mark.parametrize(("verify_ssl", "expected"), [(True, False), (False, True)])
def test_kubernetes_verify_ssl_is_honoured(
    admin_client, endpoints, certs, verify_ssl, expected
):
    api = endpoints(http_endpoint, KUBERNETES_VERSION, tls=certs.server_context())
    connection = KubernetesServiceConnection.objects.create(
        name="k", kubeconfig=kubeconfig(api.url), verify_ssl=verify_ssl
    )

    assert state(admin_client, connection)["healthy"] is expected


def test_silent_kubernetes_is_unhealthy_within_the_timeout(admin_client, endpoints):
    silent = endpoints(stalling_endpoint)
    connection = KubernetesServiceConnection.objects.create(
        name="k", kubeconfig=kubeconfig(silent.url)
    )

    body, seconds = elapsed(lambda: state(admin_client, connection))

    assert body == UNHEALTHY
    assert seconds < WITHIN_TIMEOUT


def test_local_kubernetes_uses_the_service_account(
    admin_client, endpoints, certs, monkeypatch, settings, tmp_path
):
    api = endpoints(http_endpoint, KUBERNETES_VERSION, tls=certs.server_context())
    (tmp_path / "token").write_text("pod-token\n")
    (tmp_path / "ca.crt").write_text(certs.text("ca.crt"))
    settings.OUTPOSTS_KUBERNETES_SERVICE_ACCOUNT_DIR = str(tmp_path)
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", api.url.rsplit(":", 1)[1])
    connection = KubernetesServiceConnection.objects.create(name="k", local=True)

    assert state(admin_client, connection) == HEALTHY_KUBERNETES
    assert api.requests[0].authorization == "Bearer pod-token"


def test_local_kubernetes_outside_a_cluster_is_unhealthy(admin_client, monkeypatch):
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    connection = KubernetesServiceConnection.objects.create(name="k", local=True)

    assert state(admin_client, connection) == UNHEALTHY


def test_state_of_an_invisible_connection_is_a_404(make_user, make_client, endpoints):
    daemon = endpoints(http_endpoint, DOCKER_VERSION)
    shown = docker(daemon.url)
    hidden = DockerServiceConnection.objects.create(name="hidden", url=daemon.url)
    user = make_user()
    assign_perm(
        "outposts.view_outpostserviceconnection",
        user,
        shown.outpostserviceconnection_ptr,
    )
    client = make_client(user)

    assert client.get(f"{ALL}{shown.pk}/state/").json() == HEALTHY_DOCKER
    response = client.get(f"{ALL}{hidden.pk}/state/")
    assert response.status_code == 404
    assert response.json() == {
        "detail": "No OutpostServiceConnection matches the given query.",
        "code": "not_found",
    }
    assert len(daemon.requests) == 1
