"""Reading and deleting service connections: the `all/` list and the kind lists
with their filters, `types/`, `used_by/`, and what deleting one does to the
outposts that use it."""

import uuid

import pytest
from guardian.models import UserObjectPermission
from guardian.shortcuts import assign_perm

from outposts.models import (
    DockerServiceConnection,
    Event,
    KubernetesServiceConnection,
    Outpost,
    OutpostServiceConnection,
)

ALL = "/api/v3/outposts/service_connections/all/"
DOCKER = "/api/v3/outposts/service_connections/docker/"
KUBERNETES = "/api/v3/outposts/service_connections/kubernetes/"
KUBECONFIG = {
    "current-context": "ctx",
    "contexts": [{"name": "ctx", "context": {"cluster": "c1", "user": "u1"}}],
    "clusters": [{"name": "c1", "cluster": {"server": "https://k8s.example:6443"}}],
    "users": [{"name": "u1", "user": {}}],
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


def test_all_lists_every_kind(admin_client, docker, kubernetes):
    response = admin_client.get(ALL)

    assert response.status_code == 200
    assert response.json() == {
        "pagination": {
            "next": 0,
            "previous": 0,
            "count": 2,
            "current": 1,
            "total_pages": 1,
            "start_index": 1,
            "end_index": 2,
        },
        "results": [
            {"pk": str(docker.pk), "name": "docker-1", "local": False, **DOCKER_KIND},
            {
                "pk": str(kubernetes.pk),
                "name": "kube-1",
                "local": True,
                **KUBERNETES_KIND,
            },
        ],
        "autocomplete": {},
    }


def test_all_retrieve_describes_the_kind(admin_client, kubernetes):
    response = admin_client.get(f"{ALL}{kubernetes.pk}/")

    assert response.json() == {
        "pk": str(kubernetes.pk),
        "name": "kube-1",
        "local": True,
        **KUBERNETES_KIND,
    }


def names(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["name"] for row in response.json()["results"]]


def test_all_filters_search_ordering_and_paging(admin_client):
    DockerServiceConnection.objects.create(name="beta", url="unix:///b")
    DockerServiceConnection.objects.create(name="alpha", url="unix:///a", local=True)
    KubernetesServiceConnection.objects.create(name="gamma-alp", local=True)

    assert names(admin_client.get(ALL, {"name": "beta"})) == ["beta"]
    assert names(admin_client.get(ALL, {"name": "bet"})) == []
    assert names(admin_client.get(ALL, {"search": "ALP"})) == ["alpha", "gamma-alp"]
    assert names(admin_client.get(ALL, {"ordering": "-name"})) == [
        "gamma-alp",
        "beta",
        "alpha",
    ]
    assert names(admin_client.get(ALL, {"ordering": "-local,name"})) == [
        "alpha",
        "gamma-alp",
        "beta",
    ]
    assert names(admin_client.get(ALL, {"ordering": "unknown"})) == [
        "alpha",
        "beta",
        "gamma-alp",
    ]
    page = admin_client.get(ALL, {"page": 2, "page_size": 2}).json()
    assert [row["name"] for row in page["results"]] == ["gamma-alp"]
    assert page["pagination"]["previous"] == 1
    assert admin_client.get(ALL, {"page": 3, "page_size": 2}).json() == {
        "detail": "Invalid page.",
        "code": "not_found",
    }


def test_docker_list_filters(admin_client, keypair):
    DockerServiceConnection.objects.create(name="a", url="unix:///a", local=True)
    DockerServiceConnection.objects.create(
        name="b", url="https://b.example", tls_verification=keypair
    )
    DockerServiceConnection.objects.create(
        name="c", url="https://c.example", tls_authentication=keypair
    )
    KubernetesServiceConnection.objects.create(name="k", local=True)

    assert names(admin_client.get(DOCKER)) == ["a", "b", "c"]
    assert names(admin_client.get(DOCKER, {"local": "true"})) == ["a"]
    assert names(admin_client.get(DOCKER, {"local": "false"})) == ["b", "c"]
    assert names(admin_client.get(DOCKER, {"name": "b"})) == ["b"]
    assert names(admin_client.get(DOCKER, {"url": "https://c.example"})) == ["c"]
    assert names(admin_client.get(DOCKER, {"tls_verification": keypair.pk})) == ["b"]
    assert names(admin_client.get(DOCKER, {"tls_authentication": keypair.pk})) == ["c"]
    assert names(admin_client.get(DOCKER, {"search": "A"})) == ["a"]


def test_docker_list_filter_with_unknown_keypair_is_a_400(admin_client):
    response = admin_client.get(DOCKER, {"tls_verification": str(uuid.UUID(int=1))})

    assert response.status_code == 400
    assert response.json() == {
        "tls_verification": [
            "Select a valid choice. That choice is not one of the available choices."
        ],
        "code": "invalid",
    }


def test_kubernetes_list_filters(admin_client):
    KubernetesServiceConnection.objects.create(name="in", local=True)
    KubernetesServiceConnection.objects.create(name="out", kubeconfig=KUBECONFIG)
    DockerServiceConnection.objects.create(name="d", url="unix:///d", local=True)

    assert names(admin_client.get(KUBERNETES)) == ["in", "out"]
    assert names(admin_client.get(KUBERNETES, {"local": "true"})) == ["in"]
    assert names(admin_client.get(KUBERNETES, {"name": "out"})) == ["out"]


def test_types_lists_both_kinds(admin_client):
    response = admin_client.get(f"{ALL}types/")

    assert response.status_code == 200
    assert response.json() == [
        {
            "name": "Docker Service-Connection",
            "description": "Deploy outposts as containers on a Docker host.",
            "component": "ak-service-connection-docker-form",
            "model_name": "dockerserviceconnection",
            "requires_enterprise": False,
            "deprecated": False,
        },
        {
            "name": "Kubernetes Service-Connection",
            "description": "Deploy outposts as workloads in a Kubernetes cluster.",
            "component": "ak-service-connection-kubernetes-form",
            "model_name": "kubernetesserviceconnection",
            "requires_enterprise": False,
            "deprecated": False,
        },
    ]


@pytest.mark.parametrize("base", [ALL, DOCKER])
def test_used_by_lists_outposts_using_the_connection(
    admin_client, docker, make_outpost, base
):
    first = make_outpost(name="b-outpost", service_connection=docker)
    second = make_outpost(name="a-outpost", service_connection=docker)
    make_outpost(name="unrelated")

    response = admin_client.get(f"{base}{docker.pk}/used_by/")

    assert response.status_code == 200
    assert response.json() == [
        {
            "app": "outposts",
            "model_name": "outpost",
            "pk": str(outpost.pk),
            "name": outpost.name,
            "action": "set_null",
        }
        for outpost in (second, first)
    ]


@pytest.mark.parametrize(
    ("base", "kind"), [(ALL, "docker"), (DOCKER, "docker"), (KUBERNETES, "kubernetes")]
)
def test_delete_leaves_outposts_without_a_connection(
    admin_client, docker, kubernetes, make_outpost, make_user, triggers, base, kind
):
    connection = docker if kind == "docker" else kubernetes
    viewer = make_user()
    parent = OutpostServiceConnection.objects.get(pk=connection.pk)
    assign_perm("outposts.view_outpostserviceconnection", viewer, parent)
    assign_perm(f"outposts.view_{connection._meta.model_name}", viewer, connection)
    using = make_outpost(service_connection=connection)
    other = make_outpost()

    response, received = triggers(
        [using, other], lambda: admin_client.delete(f"{base}{connection.pk}/")
    )

    assert response.status_code == 204
    assert response.content == b""
    assert not OutpostServiceConnection.objects.filter(pk=connection.pk).exists()
    using.refresh_from_db()
    assert using.service_connection_id is None
    assert received == {using.name: 1, other.name: 0}
    event = Event.objects.filter(context__model__pk=str(using.pk)).latest("created")
    assert event.action == "model_updated"
    assert event.context["diff"] == {
        "service_connection": {"previous_value": str(connection.pk), "new_value": None}
    }
    assert not UserObjectPermission.objects.filter(
        object_pk=str(connection.pk)
    ).exists()


def test_delete_of_unknown_connection_is_a_404(admin_client, db):
    response = admin_client.delete(f"{DOCKER}{uuid.UUID(int=3)}/")

    assert response.status_code == 404
    assert response.json() == {
        "detail": "No DockerServiceConnection matches the given query.",
        "code": "not_found",
    }
    assert admin_client.get(f"{ALL}not-a-uuid/").json() == {
        "detail": "Not found.",
        "code": "not_found",
    }


def test_kind_routes_do_not_show_other_kinds(admin_client, docker, kubernetes):
    assert admin_client.get(f"{KUBERNETES}{docker.pk}/").status_code == 404
    assert admin_client.delete(f"{DOCKER}{kubernetes.pk}/").status_code == 404
    assert KubernetesServiceConnection.objects.filter(pk=kubernetes.pk).exists()


def test_outpost_may_point_at_a_created_connection(admin_client, make_provider):
    created = admin_client.post(DOCKER, {"name": "d", "url": "unix:///d"}).json()

    response = admin_client.post(
        "/api/v3/outposts/instances/",
        {
            "name": "edge",
            "type": "proxy",
            "providers": [make_provider().pk],
            "config": {},
            "service_connection": created["pk"],
        },
    )

    assert response.status_code == 201, response.json()
    assert response.json()["service_connection_obj"] == {
        "pk": created["pk"],
        "name": "d",
        "local": False,
        **DOCKER_KIND,
    }
    assert Outpost.objects.get(name="edge").service_connection_id == uuid.UUID(
        created["pk"]
    )


@pytest.mark.parametrize("method", ["put", "patch"])
def test_all_has_no_update(admin_client, docker, method):
    response = getattr(admin_client, method)(f"{ALL}{docker.pk}/", {"name": "x"})

    assert response.status_code == 405
    assert response.json() == {
        "detail": f'Method "{method.upper()}" not allowed.',
        "code": "method_not_allowed",
    }
    docker.refresh_from_db()
    assert docker.name == "docker-1"
