"""Who may see and change service connections, and how many queries it costs.

`all/` is governed by the base model's permissions, `docker/` and
`kubernetes/` by each kind's own.
"""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from guardian.shortcuts import assign_perm

from outposts.models import (
    DockerServiceConnection,
    KubernetesServiceConnection,
    OutpostServiceConnection,
)

ROOT = "/api/v3/outposts/service_connections/"
DENIED = {
    "detail": "You do not have permission to perform this action.",
    "code": "permission_denied",
}
KUBECONFIG = {
    "current-context": "ctx",
    "contexts": [{"name": "ctx", "context": {"cluster": "c", "user": "u"}}],
    "clusters": [{"name": "c", "cluster": {"server": "https://k8s.example"}}],
    "users": [{"name": "u", "user": {}}],
}
# route -> (model whose permissions govern it, model listed, a valid create body)
RESOURCES = {
    "all": (OutpostServiceConnection, DockerServiceConnection, None),
    "docker": (
        DockerServiceConnection,
        DockerServiceConnection,
        {"name": "new", "url": "unix:///new"},
    ),
    "kubernetes": (
        KubernetesServiceConnection,
        KubernetesServiceConnection,
        {"name": "new", "kubeconfig": KUBECONFIG},
    ),
}


def make_connection(model, name: str):
    if model is DockerServiceConnection:
        return model.objects.create(name=name, url=f"unix:///{name}")
    return model.objects.create(name=name, local=True)


@pytest.fixture(params=list(RESOURCES))
def resource(request, db):
    """A route, its permission model, and two connections it lists."""
    route = request.param
    permission_model, listed, body = RESOURCES[route]
    alpha = make_connection(listed, "alpha")
    beta = make_connection(listed, "beta")
    if permission_model is OutpostServiceConnection:
        # Object permissions of `all/` are granted on the base rows.
        alpha, beta = (
            OutpostServiceConnection.objects.get(pk=c.pk) for c in (alpha, beta)
        )
    return {
        "url": f"{ROOT}{route}/",
        "codename": permission_model._meta.model_name,
        "alpha": alpha,
        "beta": beta,
        "body": body,
    }


def grant(user, *codenames, obj=None):
    for codename in codenames:
        if obj is None:
            user.user_permissions.add(Permission.objects.get(codename=codename))
        else:
            assign_perm(f"outposts.{codename}", user, obj)
    return get_user_model().objects.get(pk=user.pk)


def names(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["name"] for row in response.json()["results"]]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", ""),
        ("get", "{alpha}/"),
        ("patch", "{alpha}/"),
        ("put", "{alpha}/"),
        ("delete", "{alpha}/"),
        ("get", "{alpha}/used_by/"),
        ("post", ""),
    ],
)
def test_no_permission_is_a_403_everywhere(
    make_user, make_client, resource, method, path
):
    client = make_client(make_user())
    url = resource["url"] + path.format(alpha=resource["alpha"].pk)

    response = getattr(client, method)(url, {"name": "x"})

    # Permissions are checked before the method: `all/` refuses its missing
    # create and update with the same 403.
    assert response.status_code == 403
    assert response.json() == DENIED
    assert OutpostServiceConnection.objects.filter(name="alpha").exists()


@pytest.mark.parametrize("path", ["types/", "{pk}/state/"])
def test_all_actions_need_view_permission(make_user, make_client, path, db):
    connection = make_connection(DockerServiceConnection, "alpha")
    client = make_client(make_user())

    response = client.get(f"{ROOT}all/" + path.format(pk=connection.pk))

    assert response.status_code == 403
    assert response.json() == DENIED


def test_global_view_sees_everything_but_changes_nothing(
    make_user, make_client, resource
):
    client = make_client(grant(make_user(), f"view_{resource['codename']}"))
    alpha = f"{resource['url']}{resource['alpha'].pk}/"

    assert names(client.get(resource["url"])) == ["alpha", "beta"]
    assert client.get(f"{alpha}used_by/").status_code == 200
    deleted = client.delete(alpha)
    assert deleted.status_code == 403
    assert deleted.json() == DENIED
    if resource["body"] is not None:
        patched = client.patch(alpha, {"name": "x"})
        assert patched.status_code == 403
        assert patched.json() == DENIED
        assert client.post(resource["url"], resource["body"]).json() == DENIED
    assert OutpostServiceConnection.objects.filter(name="alpha").exists()


def test_object_view_sees_only_that_object(make_user, make_client, resource):
    user = grant(make_user(), f"view_{resource['codename']}", obj=resource["alpha"])
    client = make_client(user)
    beta = f"{resource['url']}{resource['beta'].pk}/"

    assert names(client.get(resource["url"])) == ["alpha"]
    hidden = client.get(beta)
    assert hidden.status_code == 404
    assert hidden.json()["code"] == "not_found"
    assert client.delete(beta).status_code == 404
    assert client.get(f"{beta}used_by/").status_code == 404
    assert OutpostServiceConnection.objects.filter(name="beta").exists()


def test_object_delete_permission_deletes_that_object(make_user, make_client, resource):
    codename = resource["codename"]
    user = grant(
        make_user(), f"view_{codename}", f"delete_{codename}", obj=resource["alpha"]
    )
    client = make_client(user)

    assert client.delete(f"{resource['url']}{resource['alpha'].pk}/").status_code == 204
    assert not OutpostServiceConnection.objects.filter(name="alpha").exists()


@pytest.mark.parametrize("route", ["docker", "kubernetes"])
def test_object_change_permission_allows_update(make_user, make_client, route):
    _, model, _ = RESOURCES[route]
    connection = make_connection(model, "alpha")
    codename = model._meta.model_name
    user = grant(make_user(), f"view_{codename}", f"change_{codename}", obj=connection)

    response = make_client(user).patch(
        f"{ROOT}{route}/{connection.pk}/", {"name": "renamed"}
    )

    assert response.status_code == 200, response.json()
    assert response.json()["name"] == "renamed"


@pytest.mark.parametrize("route", ["docker", "kubernetes"])
def test_global_add_permission_allows_create(make_user, make_client, route, db):
    _, model, body = RESOURCES[route]
    codename = model._meta.model_name
    client = make_client(grant(make_user(), f"add_{codename}"))

    response = client.post(f"{ROOT}{route}/", body)

    assert response.status_code == 201, response.json()
    assert model.objects.filter(name="new").exists()


@pytest.mark.parametrize(
    ("codename", "route"),
    [
        ("view_outpostserviceconnection", "docker"),
        ("view_outpostserviceconnection", "kubernetes"),
        ("view_dockerserviceconnection", "all"),
        ("view_dockerserviceconnection", "kubernetes"),
        ("view_kubernetesserviceconnection", "docker"),
    ],
)
def test_permissions_of_one_model_do_not_open_another_route(
    make_user, make_client, codename, route, db
):
    client = make_client(grant(make_user(), codename))

    response = client.get(f"{ROOT}{route}/")

    assert response.status_code == 403
    assert response.json() == DENIED


@pytest.mark.parametrize("count", [1, 30])
def test_all_list_query_count_does_not_grow(
    admin_client, django_assert_num_queries, count
):
    for index in range(count):
        make_connection(DockerServiceConnection, f"d{index:02}")
        make_connection(KubernetesServiceConnection, f"k{index:02}")

    # token, count, page (kinds joined)
    with django_assert_num_queries(3):
        response = admin_client.get(f"{ROOT}all/", {"page_size": 100})

    results = response.json()["results"]
    assert len(results) == 2 * count
    assert {row["component"] for row in results} == {
        "ak-service-connection-docker-form",
        "ak-service-connection-kubernetes-form",
    }


@pytest.mark.parametrize("count", [1, 30])
def test_object_permission_list_query_count_does_not_grow(
    make_user, make_client, django_assert_num_queries, count
):
    user = make_user()
    for index in range(count):
        connection = make_connection(DockerServiceConnection, f"d{index:02}")
        assign_perm("outposts.view_dockerserviceconnection", user, connection)
    client = make_client(user)
    # The first request of a process also loads content types into Django's
    # cache; only steady-state requests are counted.
    client.get(f"{ROOT}docker/")

    # token, user and group permissions for the global check, object
    # permission exists, count, page
    with django_assert_num_queries(6):
        response = client.get(f"{ROOT}docker/", {"page_size": 100})

    assert len(response.json()["results"]) == count


@pytest.mark.parametrize("route", ["docker", "kubernetes"])
@pytest.mark.parametrize("count", [1, 30])
def test_kind_list_query_count_does_not_grow(
    admin_client, django_assert_num_queries, route, count
):
    _, model, _ = RESOURCES[route]
    for index in range(count):
        make_connection(model, f"c{index:02}")

    # token, count, page
    with django_assert_num_queries(3):
        response = admin_client.get(f"{ROOT}{route}/", {"page_size": 100})

    assert len(response.json()["results"]) == count


@pytest.mark.parametrize("route", ["all", "docker", "kubernetes"])
def test_retrieve_query_count(admin_client, django_assert_num_queries, route):
    model = RESOURCES[route][1]
    connection = make_connection(model, "one")

    # token, row
    with django_assert_num_queries(2):
        response = admin_client.get(f"{ROOT}{route}/{connection.pk}/")

    assert response.json()["name"] == "one"


@pytest.mark.parametrize("route", ["docker", "kubernetes"])
def test_write_query_counts_are_bounded(
    admin_client, django_assert_max_num_queries, route
):
    _, model, body = RESOURCES[route]

    with django_assert_max_num_queries(8):
        created = admin_client.post(f"{ROOT}{route}/", body)
    with django_assert_max_num_queries(10):
        patched = admin_client.patch(
            f"{ROOT}{route}/{created.json()['pk']}/", {"name": "renamed"}
        )
    with django_assert_max_num_queries(16):
        deleted = admin_client.delete(f"{ROOT}{route}/{created.json()['pk']}/")

    assert (created.status_code, patched.status_code, deleted.status_code) == (
        201,
        200,
        204,
    )
