"""Who may see and change outposts: global and object permissions via guardian."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from guardian.shortcuts import assign_perm
from rest_framework.test import APIClient

from outposts.models import Outpost
from outposts.services.tokens import token_issue

URL = "/api/v3/outposts/instances/"
DENIED = {
    "detail": "You do not have permission to perform this action.",
    "code": "permission_denied",
}
NOT_FOUND = {"detail": "No Outpost matches the given query.", "code": "not_found"}


@pytest.fixture
def outposts(make_outpost):
    return make_outpost(name="alpha"), make_outpost(name="beta")


def grant(user, *codenames, obj=None):
    for codename in codenames:
        if obj is None:
            user.user_permissions.add(Permission.objects.get(codename=codename))
        else:
            assign_perm(f"outposts.{codename}", user, obj)
    # Django caches permissions on the user object; tests fetch a fresh one.
    return get_user_model().objects.get(pk=user.pk)


def list_names(client) -> list[str]:
    response = client.get(URL)
    assert response.status_code == 200, response.json()
    return [row["name"] for row in response.json()["results"]]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "", None),
        ("get", "{alpha}/", None),
        ("patch", "{alpha}/", {"name": "x"}),
        ("put", "{alpha}/", {"name": "x"}),
        ("delete", "{alpha}/", None),
        ("get", "{alpha}/used_by/", None),
        ("get", "{alpha}/health/", None),
        ("post", "", {"name": "x"}),
    ],
)
def test_user_without_permissions_gets_403_everywhere(
    make_user, make_client, outposts, method, path, body
):
    client = make_client(make_user())
    url = URL + path.format(alpha=outposts[0].pk)

    response = (
        getattr(client, method)(url, body) if body else getattr(client, method)(url)
    )

    assert response.status_code == 403
    assert response.json() == DENIED
    assert Outpost.objects.filter(name="alpha").exists()


def test_default_settings_needs_only_authentication(make_user, make_client, db):
    assert make_client(make_user()).get(f"{URL}default_settings/").status_code == 200
    assert APIClient().get(f"{URL}default_settings/").status_code == 403


def test_global_view_lists_everything_but_cannot_change(
    make_user, make_client, outposts
):
    user = grant(make_user(), "view_outpost")
    client = make_client(user)

    assert list_names(client) == ["alpha", "authentik Embedded Outpost", "beta"]
    response = client.patch(f"{URL}{outposts[0].pk}/", {"name": "x"})
    assert response.status_code == 403
    assert response.json() == DENIED
    assert client.delete(f"{URL}{outposts[0].pk}/").status_code == 403


@pytest.mark.parametrize(
    ("codenames", "method", "status"),
    [
        (["view_outpost", "change_outpost"], "patch", 200),
        (["view_outpost", "delete_outpost"], "delete", 204),
        (["view_outpost", "delete_outpost"], "patch", 403),
        (["view_outpost", "change_outpost"], "delete", 403),
    ],
)
def test_global_write_permissions(
    make_user, make_client, outposts, codenames, method, status
):
    client = make_client(grant(make_user(), *codenames))
    url = f"{URL}{outposts[0].pk}/"

    response = (
        client.patch(url, {"name": "x"}) if method == "patch" else client.delete(url)
    )

    assert response.status_code == status


def test_object_view_lists_only_that_object(make_user, make_client, outposts):
    alpha, beta = outposts
    client = make_client(grant(make_user(), "view_outpost", obj=alpha))

    assert list_names(client) == ["alpha"]
    assert client.get(f"{URL}{alpha.pk}/").status_code == 200
    response = client.get(f"{URL}{beta.pk}/")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_object_view_without_change_is_403_on_patch(make_user, make_client, outposts):
    alpha, beta = outposts
    client = make_client(grant(make_user(), "view_outpost", obj=alpha))

    response = client.patch(f"{URL}{alpha.pk}/", {"name": "x"})
    assert response.status_code == 403
    assert response.json() == DENIED
    response = client.patch(f"{URL}{beta.pk}/", {"name": "x"})
    assert response.status_code == 404


def test_object_change_and_delete(make_user, make_client, outposts):
    alpha, _ = outposts
    client = make_client(
        grant(
            make_user(), "view_outpost", "change_outpost", "delete_outpost", obj=alpha
        )
    )

    assert client.patch(f"{URL}{alpha.pk}/", {"name": "alpha2"}).status_code == 200
    assert client.delete(f"{URL}{alpha.pk}/").status_code == 204
    assert not Outpost.objects.filter(pk=alpha.pk).exists()


def test_group_permissions_count(make_user, make_client, outposts):
    alpha, _ = outposts
    user = make_user()
    group = Group.objects.create(name="ops")
    user.groups.add(group)
    assign_perm("outposts.view_outpost", group, alpha)

    assert list_names(make_client(user)) == ["alpha"]


def test_create_needs_global_add(make_user, make_client, make_provider, db):
    body = {
        "name": "new",
        "type": "proxy",
        "providers": [make_provider().pk],
        "config": {},
    }
    with_view = make_client(grant(make_user(), "view_outpost"))
    with_add = make_client(grant(make_user(), "add_outpost"))

    assert with_view.post(URL, body).status_code == 403
    response = with_add.post(URL, body)
    assert response.status_code == 201, response.json()
    assert response.json()["name"] == "new"


def test_service_account_sees_exactly_its_outpost(outposts):
    alpha, _ = outposts
    account = get_user_model().objects.get(username=f"ak-outpost-{alpha.pk.hex}")
    _, key = token_issue(user=account, identifier="agent")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    assert list_names(client) == ["alpha"]
    assert client.patch(f"{URL}{alpha.pk}/", {"name": "x"}).status_code == 403


def test_superuser_may_do_everything(admin_client, outposts):
    alpha, _ = outposts

    assert admin_client.patch(f"{URL}{alpha.pk}/", {"name": "x"}).status_code == 200
    assert admin_client.delete(f"{URL}{alpha.pk}/").status_code == 204
