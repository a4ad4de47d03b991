"""Creating and editing Docker and Kubernetes service connections over the API,
and every validation rule on the way."""

import uuid

import pytest

from outposts.models import (
    DockerServiceConnection,
    KubernetesServiceConnection,
    OutpostServiceConnection,
)

ALL = "/api/v3/outposts/service_connections/all/"
DOCKER = "/api/v3/outposts/service_connections/docker/"
KUBERNETES = "/api/v3/outposts/service_connections/kubernetes/"
URL_MESSAGE = (
    "Enter unix://<path> for a local socket, or http(s)://<host>[:port] for a "
    "remote Docker daemon."
)
EMPTY_NOT_LOCAL = (
    "You can only use an empty kubeconfig when connecting to a local cluster."
)
NOT_A_DICT = "Value must be a dictionary, and not have any duplicate keys."
KUBECONFIG = {
    "apiVersion": "v1",
    "kind": "Config",
    "current-context": "ctx",
    "contexts": [{"name": "ctx", "context": {"cluster": "c1", "user": "u1"}}],
    "clusters": [{"name": "c1", "cluster": {"server": "https://k8s.example:6443"}}],
    "users": [{"name": "u1", "user": {"token": "secret-token"}}],
}
DOCKER_KIND = {
    "component": "ak-service-connection-docker-form",
    "verbose_name": "Docker Service-Connection",
    "verbose_name_plural": "Docker Service-Connections",
    "meta_model_name": "outposts.dockerserviceconnection",
}
KUBERNETES_KIND = {
    "component": "ak-service-connection-kubernetes-form",
    "verbose_name": "Kubernetes Service-Connection",
    "verbose_name_plural": "Kubernetes Service-Connections",
    "meta_model_name": "outposts.kubernetesserviceconnection",
}


def invalid(**errors) -> dict:
    return {**{key: [message] for key, message in errors.items()}, "code": "invalid"}


def test_docker_create_returns_the_connection(admin_client, keypair):
    response = admin_client.post(
        DOCKER,
        {
            "name": "remote",
            "url": "https://docker.example:2376",
            "tls_verification": str(keypair.pk),
            "tls_authentication": None,
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    connection = DockerServiceConnection.objects.get(name="remote")
    assert body == {
        "pk": str(connection.pk),
        "name": "remote",
        "local": False,
        **DOCKER_KIND,
        "url": "https://docker.example:2376",
        "tls_verification": str(keypair.pk),
        "tls_authentication": None,
    }
    assert list(body) == [
        "pk",
        "name",
        "local",
        *DOCKER_KIND,
        "url",
        "tls_verification",
        "tls_authentication",
    ]


@pytest.mark.parametrize(
    "url",
    [
        "unix:///var/run/docker.sock",
        "http://docker.example",
        "https://docker.example:2376",
        "https://docker.example:2376/",
        "http://10.0.0.5:2375",
        "https://[::1]:2376",
        "HTTPS://Docker.Example",
    ],
)
def test_docker_url_accepts_unix_and_http(admin_client, url):
    response = admin_client.post(DOCKER, {"name": "d", "url": url})

    assert response.status_code == 201, response.json()
    assert response.json()["url"] == url


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "ssh://root@docker.example",
            "Docker endpoints over ssh:// are not supported.",
        ),
        ("SSH://docker.example", "Docker endpoints over ssh:// are not supported."),
        ("tcp://docker.example:2376", URL_MESSAGE),
        ("unix://", URL_MESSAGE),
        ("unix://relative/docker.sock", URL_MESSAGE),
        ("http://", URL_MESSAGE),
        ("https://docker.example:99999", URL_MESSAGE),
        ("https://docker.example:port", URL_MESSAGE),
        ("https://docker.example/api", URL_MESSAGE),
        ("https://docker.example?x=1", URL_MESSAGE),
        ("https://user:pw@docker.example", URL_MESSAGE),
        ("https://docker example", URL_MESSAGE),
        ("docker.example:2376", URL_MESSAGE),
        ("/var/run/docker.sock", URL_MESSAGE),
        ("http://docker\x00.example", "Null characters are not allowed."),
        ("", "This field may not be blank."),
    ],
)
def test_docker_url_rejects_other_forms(admin_client, url, message):
    response = admin_client.post(DOCKER, {"name": "d", "url": url})

    assert response.status_code == 400
    assert response.json() == invalid(url=message)
    assert not OutpostServiceConnection.objects.exists()


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"name": "This field is required.", "url": "This field is required."}),
        ({"name": "", "url": "unix:///d"}, {"name": "This field may not be blank."}),
        (
            {"name": "a\x00b", "url": "unix:///d"},
            {"name": "Null characters are not allowed."},
        ),
        ({"name": None, "url": "unix:///d"}, {"name": "This field may not be null."}),
        ({"name": "d", "url": 5}, {"url": URL_MESSAGE}),
        ({"name": "d", "url": ["unix:///d"]}, {"url": "Not a valid string."}),
        (
            {"name": "d", "url": "unix:///d", "local": "maybe"},
            {"local": "Must be a valid boolean."},
        ),
        (
            {"name": "d", "url": "unix:///d", "tls_verification": "nope"},
            {"tls_verification": "Must be a valid UUID."},
        ),
        (
            {
                "name": "d",
                "url": "unix:///d",
                "tls_authentication": str(uuid.UUID(int=7)),
            },
            {
                "tls_authentication": (
                    f'Invalid pk "{uuid.UUID(int=7)}" - object does not exist.'
                )
            },
        ),
        (
            {"name": "", "url": "ssh://x"},
            {
                "name": "This field may not be blank.",
                "url": "Docker endpoints over ssh:// are not supported.",
            },
        ),
    ],
)
def test_docker_create_validation_errors(admin_client, body, errors):
    response = admin_client.post(DOCKER, body)

    assert response.status_code == 400
    assert response.json() == invalid(**errors)
    assert not OutpostServiceConnection.objects.exists()


def test_name_is_unique_across_kinds(admin_client, kubernetes):
    response = admin_client.post(DOCKER, {"name": kubernetes.name, "url": "unix:///d"})

    assert response.status_code == 400
    assert response.json() == invalid(
        name="Outpost Service-Connection with this name already exists."
    )


def test_non_object_body_is_a_validation_error(admin_client):
    response = admin_client.post(DOCKER, ["name"])

    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got list."],
        "code": "invalid",
    }


def test_docker_update_and_partial_update(admin_client, docker, keypair):
    url = f"{DOCKER}{docker.pk}/"

    put = admin_client.put(url, {"name": "renamed", "url": "http://d.example:2375"})
    patch = admin_client.patch(url, {"tls_authentication": str(keypair.pk)})

    assert put.status_code == 200, put.json()
    assert patch.status_code == 200, patch.json()
    assert patch.json() == {
        "pk": str(docker.pk),
        "name": "renamed",
        "local": False,
        **DOCKER_KIND,
        "url": "http://d.example:2375",
        "tls_verification": None,
        "tls_authentication": str(keypair.pk),
    }
    docker.refresh_from_db()
    assert (docker.name, docker.tls_authentication_id) == ("renamed", keypair.pk)


def test_rejected_update_changes_nothing(admin_client, docker):
    response = admin_client.patch(
        f"{DOCKER}{docker.pk}/", {"name": "other", "url": "ssh://x"}
    )

    assert response.status_code == 400
    docker.refresh_from_db()
    assert (docker.name, docker.url) == ("docker-1", "unix:///var/run/docker.sock")


def test_update_notifies_outposts_using_the_connection(
    admin_client, docker, make_outpost, triggers
):
    using = make_outpost(service_connection=docker)
    other = make_outpost()

    response, received = triggers(
        [using, other],
        lambda: admin_client.patch(f"{DOCKER}{docker.pk}/", {"url": "unix:///other"}),
    )

    assert response.status_code == 200
    assert received == {using.name: 1, other.name: 0}


def test_keypair_deletion_leaves_the_connection(admin_client, keypair):
    connection = DockerServiceConnection.objects.create(
        name="tls", url="https://d.example", tls_verification=keypair
    )
    keypair.delete()

    response = admin_client.get(f"{DOCKER}{connection.pk}/")

    assert response.json()["tls_verification"] is None


def test_kubernetes_create_returns_the_connection(admin_client):
    response = admin_client.post(
        KUBERNETES, {"name": "cluster", "kubeconfig": KUBECONFIG, "verify_ssl": False}
    )

    assert response.status_code == 201, response.json()
    connection = KubernetesServiceConnection.objects.get(name="cluster")
    assert response.json() == {
        "pk": str(connection.pk),
        "name": "cluster",
        "local": False,
        **KUBERNETES_KIND,
        "kubeconfig": KUBECONFIG,
        "verify_ssl": False,
    }
    assert connection.kubeconfig == KUBECONFIG


def test_kubernetes_local_may_have_an_empty_kubeconfig(admin_client):
    response = admin_client.post(KUBERNETES, {"name": "in-cluster", "local": True})

    assert response.status_code == 201, response.json()
    assert response.json()["kubeconfig"] == {}
    assert response.json()["verify_ssl"] is True


def _without(key: str) -> dict:
    return {k: v for k, v in KUBECONFIG.items() if k != key}


def _with(**changes) -> dict:
    return {**KUBECONFIG, **changes}


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"name": "k"}, {"kubeconfig": EMPTY_NOT_LOCAL}),
        ({"name": "k", "kubeconfig": {}}, {"kubeconfig": EMPTY_NOT_LOCAL}),
        (
            {"name": "k", "kubeconfig": {}, "local": False},
            {"kubeconfig": EMPTY_NOT_LOCAL},
        ),
        ({"name": "k", "kubeconfig": {"a": 1}}, {"kubeconfig": "Invalid kubeconfig"}),
        (
            {"name": "k", "kubeconfig": _without("current-context")},
            {"kubeconfig": "Invalid kubeconfig"},
        ),
        (
            {"name": "k", "kubeconfig": _with(**{"current-context": "other"})},
            {"kubeconfig": "Invalid kubeconfig"},
        ),
        (
            {"name": "k", "kubeconfig": _without("clusters")},
            {"kubeconfig": "Invalid kubeconfig"},
        ),
        (
            {"name": "k", "kubeconfig": _without("users")},
            {"kubeconfig": "Invalid kubeconfig"},
        ),
        (
            {
                "name": "k",
                "kubeconfig": _with(clusters=[{"name": "c1", "cluster": {}}]),
            },
            {"kubeconfig": "Invalid kubeconfig"},
        ),
        (
            {
                "name": "k",
                "kubeconfig": _with(
                    clusters=[{"name": "c1", "cluster": {"server": "ftp://k8s"}}]
                ),
            },
            {"kubeconfig": "Invalid kubeconfig"},
        ),
        (
            {
                "name": "k",
                "kubeconfig": _with(contexts=[{"name": "ctx", "context": "c1"}]),
            },
            {"kubeconfig": "Invalid kubeconfig"},
        ),
        (
            {"name": "k", "local": True, "kubeconfig": {"clusters": []}},
            {"kubeconfig": "Invalid kubeconfig"},
        ),
        (
            {"name": "k", "kubeconfig": "apiVersion: v1"},
            {"kubeconfig": NOT_A_DICT},
        ),
        (
            {"name": "k", "kubeconfig": [KUBECONFIG]},
            {"kubeconfig": NOT_A_DICT},
        ),
        (
            {"name": "k", "kubeconfig": None},
            {"kubeconfig": "This field may not be null."},
        ),
        (
            {"name": "k", "kubeconfig": _with(extra={"k\x00": "v"})},
            {"kubeconfig": "Null characters are not allowed."},
        ),
        (
            {"name": "k", "kubeconfig": _with(extra=["a\x00"])},
            {"kubeconfig": "Null characters are not allowed."},
        ),
        (
            {"name": "k", "local": "x", "kubeconfig": {}},
            {"local": "Must be a valid boolean."},
        ),
        (
            {"name": "", "kubeconfig": {"a": 1}},
            {
                "name": "This field may not be blank.",
                "kubeconfig": "Invalid kubeconfig",
            },
        ),
        (
            {"name": "k", "kubeconfig": KUBECONFIG, "verify_ssl": None},
            {"verify_ssl": "This field may not be null."},
        ),
    ],
)
def test_kubernetes_create_validation_errors(admin_client, body, errors):
    response = admin_client.post(KUBERNETES, body)

    assert response.status_code == 400
    assert response.json() == invalid(**errors)
    assert not OutpostServiceConnection.objects.exists()


def test_kubernetes_patch_checks_the_stored_kubeconfig(admin_client, kubernetes):
    url = f"{KUBERNETES}{kubernetes.pk}/"

    leaving_cluster = admin_client.patch(url, {"local": False})
    renamed = admin_client.patch(url, {"name": "kube-renamed"})
    with_config = admin_client.patch(url, {"local": False, "kubeconfig": KUBECONFIG})

    assert leaving_cluster.status_code == 400
    assert leaving_cluster.json() == invalid(kubeconfig=EMPTY_NOT_LOCAL)
    assert renamed.status_code == 200
    assert with_config.status_code == 200, with_config.json()
    kubernetes.refresh_from_db()
    assert (kubernetes.name, kubernetes.local) == ("kube-renamed", False)
    assert kubernetes.kubeconfig == KUBECONFIG


def test_kubernetes_put_without_kubeconfig_keeps_it(admin_client):
    connection = KubernetesServiceConnection.objects.create(
        name="k", kubeconfig=KUBECONFIG
    )

    response = admin_client.put(
        f"{KUBERNETES}{connection.pk}/", {"name": "k2", "verify_ssl": False}
    )

    assert response.status_code == 200, response.json()
    assert response.json()["kubeconfig"] == KUBECONFIG
    assert response.json()["verify_ssl"] is False
