"""Service connections and providers through the official authentik-client
package, against the real server (tests/live.py) on a fresh database.

The Docker daemon and the Kubernetes API server are fake endpoints started by
this test on a unix socket and a local port; the server measures their state
over the network like it would a real one.
"""

import json
import tempfile
from pathlib import Path

import authentik_client as ak
import pytest
from authentik_client.exceptions import ApiException

from tests.fake_daemons import DOCKER_VERSION, KUBERNETES_VERSION, http_endpoint

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def client(app_server) -> ak.ApiClient:
    config = ak.Configuration(
        host=f"{app_server.url}/api/v3", access_token=app_server.token
    )
    return ak.ApiClient(config)


@pytest.fixture(scope="module")
def daemons():
    """A Docker daemon on a unix socket and a Kubernetes API server on a port."""
    with tempfile.TemporaryDirectory(prefix="sc-") as directory:
        docker = http_endpoint(DOCKER_VERSION, unix=Path(directory) / "docker.sock")
        kubernetes = http_endpoint(KUBERNETES_VERSION)
        yield {"docker": docker, "kubernetes": kubernetes}
        docker.stop()
        kubernetes.stop()


@pytest.fixture(scope="module")
def provider(app_server) -> int:
    """A proxy provider with an application; providers have no create API."""
    output = app_server.shell(
        "from outposts.models import Application, ProxyProvider\n"
        "provider = ProxyProvider.objects.create(name='sc-client-proxy')\n"
        "Application.objects.create(name='SC App', slug='sc-app', provider=provider)\n"
        "print(provider.pk)\n"
    )
    return int(output.strip().splitlines()[-1])


def kubeconfig(server: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "ctx",
        "contexts": [{"name": "ctx", "context": {"cluster": "c", "user": "u"}}],
        "clusters": [{"name": "c", "cluster": {"server": server}}],
        "users": [{"name": "u", "user": {"token": "client-token"}}],
    }


def test_connections_through_the_client(client, daemons, provider):
    outposts = ak.OutpostsApi(client)

    docker = outposts.outposts_service_connections_docker_create(
        ak.DockerServiceConnectionRequest(
            name="sc-client-docker", url=daemons["docker"].url
        )
    )
    kubernetes = outposts.outposts_service_connections_kubernetes_create(
        ak.KubernetesServiceConnectionRequest(
            name="sc-client-kube",
            kubeconfig=kubeconfig(daemons["kubernetes"].url),
            verify_ssl=False,
        )
    )
    assert docker.component == "ak-service-connection-docker-form"
    assert docker.tls_verification is None
    assert kubernetes.meta_model_name == "outposts.kubernetesserviceconnection"
    assert kubernetes.kubeconfig["current-context"] == "ctx"

    outpost = outposts.outposts_instances_create(
        ak.OutpostRequest(
            name="sc-client-outpost",
            type=ak.OutpostTypeEnum.PROXY,
            providers=[provider],
            service_connection=docker.pk,
            config={},
        )
    )
    assert outpost.service_connection_obj.verbose_name == "Docker Service-Connection"

    listed = outposts.outposts_service_connections_all_list(search="sc-client")
    assert [(c.name, c.component) for c in listed.results] == [
        ("sc-client-docker", "ak-service-connection-docker-form"),
        ("sc-client-kube", "ak-service-connection-kubernetes-form"),
    ]
    by_url = outposts.outposts_service_connections_docker_list(
        url=daemons["docker"].url, local=False
    )
    assert [c.pk for c in by_url.results] == [docker.pk]
    assert [
        c.pk
        for c in outposts.outposts_service_connections_kubernetes_list(
            name="sc-client-kube"
        ).results
    ] == [kubernetes.pk]
    types = outposts.outposts_service_connections_all_types_list()
    assert [t.model_name for t in types] == [
        "dockerserviceconnection",
        "kubernetesserviceconnection",
    ]
    assert types[0].icon_url is None

    docker_state = outposts.outposts_service_connections_all_state_retrieve(
        str(docker.pk)
    )
    kube_state = outposts.outposts_service_connections_all_state_retrieve(
        str(kubernetes.pk)
    )
    assert (docker_state.healthy, docker_state.version) == (True, "27.0.1")
    assert (kube_state.healthy, kube_state.version) == (True, "v1.30.2")
    assert daemons["kubernetes"].requests[0].authorization == "Bearer client-token"

    used_by = outposts.outposts_service_connections_docker_used_by_list(str(docker.pk))
    assert [(u.name, u.action) for u in used_by] == [
        ("sc-client-outpost", ak.UsedByActionEnum.SET_NULL)
    ]
    assert (
        outposts.outposts_service_connections_all_used_by_list(str(docker.pk))
        == used_by
    )

    patched = outposts.outposts_service_connections_kubernetes_partial_update(
        str(kubernetes.pk),
        ak.PatchedKubernetesServiceConnectionRequest(name="sc-client-kube-2"),
    )
    assert patched.name == "sc-client-kube-2"
    assert patched.kubeconfig == kubernetes.kubeconfig

    outposts.outposts_service_connections_docker_destroy(str(docker.pk))
    assert (
        outposts.outposts_instances_retrieve(str(outpost.pk)).service_connection is None
    )
    with pytest.raises(ApiException) as missing:
        outposts.outposts_service_connections_all_retrieve(str(docker.pk))
    assert missing.value.status == 404
    outposts.outposts_service_connections_all_destroy(str(kubernetes.pk))


def test_validation_errors_through_the_client(client):
    outposts = ak.OutpostsApi(client)

    with pytest.raises(ApiException) as ssh:
        outposts.outposts_service_connections_docker_create(
            ak.DockerServiceConnectionRequest(name="sc-ssh", url="ssh://root@host")
        )
    with pytest.raises(ApiException) as empty:
        outposts.outposts_service_connections_kubernetes_create(
            ak.KubernetesServiceConnectionRequest(name="sc-empty", kubeconfig={})
        )

    assert (ssh.value.status, empty.value.status) == (400, 400)
    assert json.loads(ssh.value.body) == {
        "url": ["Docker endpoints over ssh:// are not supported."],
        "code": "invalid",
    }
    assert json.loads(empty.value.body) == {
        "kubeconfig": [
            "You can only use an empty kubeconfig when connecting to a local cluster."
        ],
        "code": "invalid",
    }


def test_providers_through_the_client(client, app_server):
    providers = ak.ProvidersApi(client)
    output = app_server.shell(
        "from outposts.models import LDAPProvider\n"
        "print(LDAPProvider.objects.create(name='sc-client-ldap').pk)\n"
    )
    ldap = int(output.strip().splitlines()[-1])
    outposts = ak.OutpostsApi(client)
    outpost = outposts.outposts_instances_create(
        ak.OutpostRequest(
            name="sc-client-ldap-outpost",
            type=ak.OutpostTypeEnum.LDAP,
            providers=[ldap],
            config={},
        )
    )

    page = providers.providers_all_list(search="sc-client-ldap")
    assert [(p.pk, p.component, p.assigned_application_slug) for p in page.results] == [
        (ldap, "ak-provider-ldap-form", None)
    ]
    unassigned = providers.providers_all_list(
        application__isnull=True, backchannel=False
    )
    assert ldap in [p.pk for p in unassigned.results]
    assert providers.providers_all_retrieve(ldap).meta_model_name == (
        "outposts.ldapprovider"
    )
    assert [t.component for t in providers.providers_all_types_list()] == [
        "ak-provider-proxy-form",
        "ak-provider-ldap-form",
        "ak-provider-radius-form",
        "ak-provider-rac-form",
    ]
    used_by = providers.providers_all_used_by_list(ldap)
    assert [(u.model_name, u.pk, u.action) for u in used_by] == [
        ("outpost", str(outpost.pk), ak.UsedByActionEnum.CASCADE_MANY)
    ]

    providers.providers_all_destroy(ldap)

    assert outposts.outposts_instances_retrieve(str(outpost.pk)).providers == []
    with pytest.raises(ApiException) as missing:
        providers.providers_all_retrieve(ldap)
    assert missing.value.status == 404
