"""`/providers/all/`: every provider in the `Provider` shape, its filters,
`types/`, `used_by/`, deletion, permissions and query counts."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from guardian.models import UserObjectPermission
from guardian.shortcuts import assign_perm

from outposts.models import (
    Application,
    Event,
    Flow,
    LDAPProvider,
    PropertyMapping,
    Provider,
    ProxyProvider,
)
from tests.triggers import trigger_counts

URL = "/api/v3/providers/all/"
DENIED = {
    "detail": "You do not have permission to perform this action.",
    "code": "permission_denied",
}
NO_PROVIDER = {"detail": "No Provider matches the given query.", "code": "not_found"}


def names(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["name"] for row in response.json()["results"]]


def grant(user, *codenames, obj=None):
    for codename in codenames:
        if obj is None:
            user.user_permissions.add(Permission.objects.get(codename=codename))
        else:
            if isinstance(obj, Provider):
                # Provider permissions are the base model's, granted on its row.
                obj = Provider.objects.get(pk=obj.pk)
            assign_perm(f"outposts.{codename}", user, obj)
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def catalogue(db):
    """Providers assigned in every way the filters tell apart."""
    assigned = ProxyProvider.objects.create(name="assigned")
    Application.objects.create(name="Wiki", slug="wiki", provider=assigned)
    backchannel_app = Application.objects.create(name="Portal", slug="portal")
    backchannel = LDAPProvider.objects.create(
        name="backchannel",
        is_backchannel=True,
        backchannel_application=backchannel_app,
    )
    flagged = LDAPProvider.objects.create(name="flagged", is_backchannel=True)
    free = ProxyProvider.objects.create(name="free")
    return {
        "assigned": assigned,
        "backchannel": backchannel,
        "flagged": flagged,
        "free": free,
    }


def test_list_shows_each_provider_as_its_kind(admin_client, db):
    flow = Flow.objects.create(name="Auth", slug="auth")
    mapping = PropertyMapping.objects.create(name="email")
    provider = LDAPProvider.objects.create(
        name="directory", authorization_flow=flow, invalidation_flow=flow
    )
    provider.property_mappings.add(mapping)
    Application.objects.create(name="Directory", slug="directory", provider=provider)

    response = admin_client.get(URL)

    assert response.status_code == 200
    assert response.json() == {
        "pagination": {
            "next": 0,
            "previous": 0,
            "count": 1,
            "current": 1,
            "total_pages": 1,
            "start_index": 1,
            "end_index": 1,
        },
        "results": [
            {
                "pk": provider.pk,
                "name": "directory",
                "authentication_flow": None,
                "authorization_flow": str(flow.pk),
                "invalidation_flow": str(flow.pk),
                "property_mappings": [str(mapping.pk)],
                "component": "ak-provider-ldap-form",
                "assigned_application_slug": "directory",
                "assigned_application_name": "Directory",
                "assigned_backchannel_application_slug": None,
                "assigned_backchannel_application_name": None,
                "verbose_name": "LDAP Provider",
                "verbose_name_plural": "LDAP Providers",
                "meta_model_name": "outposts.ldapprovider",
            }
        ],
        "autocomplete": {},
    }


def test_retrieve_shows_backchannel_application(admin_client, catalogue):
    provider = catalogue["backchannel"]

    response = admin_client.get(f"{URL}{provider.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert body["assigned_backchannel_application_slug"] == "portal"
    assert body["assigned_backchannel_application_name"] == "Portal"
    assert body["assigned_application_slug"] is None
    assert body["meta_model_name"] == "outposts.ldapprovider"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["assigned", "backchannel", "flagged", "free"]),
        ({"application__isnull": "true"}, ["flagged", "free"]),
        ({"application__isnull": "false"}, ["assigned", "backchannel"]),
        ({"backchannel": "true"}, ["backchannel", "flagged"]),
        ({"backchannel": "false"}, ["assigned", "free"]),
        ({"backchannel": "false", "application__isnull": "true"}, ["free"]),
        ({"search": "FLAG"}, ["flagged"]),
        ({"search": "wiki"}, ["assigned"]),
        ({"search": "nothing"}, []),
        ({"ordering": "-name"}, ["free", "flagged", "backchannel", "assigned"]),
        ({"ordering": "pk"}, ["assigned", "backchannel", "flagged", "free"]),
        ({"ordering": "-pk"}, ["free", "flagged", "backchannel", "assigned"]),
        ({"ordering": "bogus"}, ["assigned", "backchannel", "flagged", "free"]),
        ({"page": 2, "page_size": 3}, ["free"]),
    ],
)
def test_list_filters(admin_client, catalogue, query, expected):
    assert names(admin_client.get(URL, query)) == expected


def test_page_past_the_end_is_a_404(admin_client, catalogue):
    response = admin_client.get(URL, {"page": 9})

    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page.", "code": "not_found"}


@pytest.mark.parametrize(
    ("pk", "body"),
    [
        ("424242", NO_PROVIDER),
        ("99999999999999999999999", NO_PROVIDER),
        ("abc", {"detail": "Not found.", "code": "not_found"}),
    ],
)
def test_unknown_provider_is_a_404(admin_client, db, pk, body):
    response = admin_client.get(f"{URL}{pk}/")

    assert response.status_code == 404
    assert response.json() == body


def test_types_lists_the_four_kinds(admin_client, db):
    response = admin_client.get(f"{URL}types/")

    assert response.status_code == 200
    assert response.json() == [
        {
            "name": "Proxy Provider",
            "description": "Authenticate and authorize requests to a web application.",
            "component": "ak-provider-proxy-form",
            "model_name": "proxyprovider",
            "requires_enterprise": False,
            "deprecated": False,
        },
        {
            "name": "LDAP Provider",
            "description": "Serve users and groups to applications that speak LDAP.",
            "component": "ak-provider-ldap-form",
            "model_name": "ldapprovider",
            "requires_enterprise": False,
            "deprecated": False,
        },
        {
            "name": "Radius Provider",
            "description": "Authenticate network clients over the RADIUS protocol.",
            "component": "ak-provider-radius-form",
            "model_name": "radiusprovider",
            "requires_enterprise": False,
            "deprecated": False,
        },
        {
            "name": "RAC Provider",
            "description": "Reach remote desktops and shells from the browser.",
            "component": "ak-provider-rac-form",
            "model_name": "racprovider",
            "requires_enterprise": False,
            "deprecated": False,
        },
    ]


def test_used_by_lists_outposts_and_application(admin_client, make_outpost):
    provider = ProxyProvider.objects.create(name="shared")
    application = Application.objects.create(name="App", slug="app", provider=provider)
    second = make_outpost(name="zulu", providers=[provider])
    first = make_outpost(name="alpha", providers=[provider])

    response = admin_client.get(f"{URL}{provider.pk}/used_by/")

    assert response.status_code == 200
    assert response.json() == [
        {
            "app": "outposts",
            "model_name": "outpost",
            "pk": str(first.pk),
            "name": "alpha",
            "action": "cascade_many",
        },
        {
            "app": "outposts",
            "model_name": "outpost",
            "pk": str(second.pk),
            "name": "zulu",
            "action": "cascade_many",
        },
        {
            "app": "outposts",
            "model_name": "application",
            "pk": str(application.pk),
            "name": "App",
            "action": "set_null",
        },
    ]


def test_used_by_shows_only_what_the_caller_may_view(
    make_user, make_client, make_outpost
):
    provider = ProxyProvider.objects.create(name="shared")
    visible = make_outpost(name="visible", providers=[provider])
    make_outpost(name="hidden", providers=[provider])
    user = grant(make_user(), "view_provider", obj=provider)
    user = grant(user, "view_outpost", obj=visible)

    response = make_client(user).get(f"{URL}{provider.pk}/used_by/")

    assert [entry["name"] for entry in response.json()] == ["visible"]


def test_delete_removes_the_provider_from_its_outposts(
    admin_client, make_outpost, django_capture_on_commit_callbacks
):
    provider = ProxyProvider.objects.create(name="going")
    kept = ProxyProvider.objects.create(name="kept")
    application = Application.objects.create(name="App", slug="app", provider=provider)
    carrying = make_outpost(name="carrying", providers=[provider, kept])
    other = make_outpost(name="other", providers=[kept])

    response, received = trigger_counts(
        [carrying, other],
        lambda: admin_client.delete(f"{URL}{provider.pk}/"),
        django_capture_on_commit_callbacks,
    )

    assert response.status_code == 204
    assert not Provider.objects.filter(pk=provider.pk).exists()
    assert [p.pk for p in carrying.providers.all()] == [kept.pk]
    application.refresh_from_db()
    assert application.provider_id is None
    event = Event.objects.filter(context__model__pk=str(carrying.pk)).latest("created")
    assert event.context["diff"] == {"providers": {"add": [], "remove": [provider.pk]}}
    assert not UserObjectPermission.objects.filter(object_pk=str(provider.pk)).exists()
    assert received == {"carrying": 1, "other": 0}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", ""),
        ("get", "types/"),
        ("get", "{pk}/"),
        ("get", "{pk}/used_by/"),
        ("delete", "{pk}/"),
    ],
)
def test_no_permission_is_a_403(make_user, make_client, catalogue, method, path):
    client = make_client(make_user())

    response = getattr(client, method)(URL + path.format(pk=catalogue["free"].pk))

    assert response.status_code == 403
    assert response.json() == DENIED
    assert Provider.objects.filter(pk=catalogue["free"].pk).exists()


def test_global_view_sees_everything_but_cannot_delete(
    make_user, make_client, catalogue
):
    client = make_client(grant(make_user(), "view_provider"))

    assert len(names(client.get(URL))) == 4
    response = client.delete(f"{URL}{catalogue['free'].pk}/")
    assert response.status_code == 403
    assert response.json() == DENIED
    assert Provider.objects.filter(pk=catalogue["free"].pk).exists()


def test_object_view_sees_only_that_provider(make_user, make_client, catalogue):
    user = grant(make_user(), "view_provider", obj=catalogue["free"])
    client = make_client(user)
    hidden = f"{URL}{catalogue['flagged'].pk}/"

    assert names(client.get(URL)) == ["free"]
    assert client.get(hidden).status_code == 404
    assert client.delete(hidden).status_code == 404
    assert client.delete(f"{URL}{catalogue['free'].pk}/").status_code == 403


def test_object_delete_permission_deletes_that_provider(
    make_user, make_client, catalogue
):
    free = catalogue["free"]
    user = grant(make_user(), "view_provider", "delete_provider", obj=free)

    assert make_client(user).delete(f"{URL}{free.pk}/").status_code == 204
    assert not Provider.objects.filter(pk=free.pk).exists()


def test_outpost_account_sees_exactly_its_providers(make_client, make_outpost):
    mine = ProxyProvider.objects.create(name="mine")
    ProxyProvider.objects.create(name="theirs")
    outpost = make_outpost(providers=[mine])
    account = get_user_model().objects.get(username=outpost.service_account_username)

    assert names(make_client(account).get(URL)) == ["mine"]


def test_outpost_account_reads_used_by_of_its_provider(make_client, make_outpost):
    # The account holds view grants on a UUID-keyed outpost and integer-keyed
    # providers; filtering outposts must not try to read the integer keys as
    # UUIDs.
    mine = ProxyProvider.objects.create(name="mine")
    outpost = make_outpost(providers=[mine])
    make_outpost(providers=[mine])
    account = get_user_model().objects.get(username=outpost.service_account_username)

    response = make_client(account).get(f"{URL}{mine.pk}/used_by/")

    assert response.status_code == 200
    assert response.json() == [
        {
            "app": "outposts",
            "model_name": "outpost",
            "pk": str(outpost.pk),
            "name": outpost.name,
            "action": "cascade_many",
        }
    ]


@pytest.mark.parametrize("count", [1, 30])
def test_list_query_count_does_not_grow(admin_client, django_assert_num_queries, count):
    mappings = [PropertyMapping.objects.create(name=f"m{i}") for i in range(3)]
    for index in range(count):
        provider = LDAPProvider.objects.create(name=f"p{index:02}")
        provider.property_mappings.set(mappings)
        Application.objects.create(
            name=f"App {index}", slug=f"app-{index}", provider=provider
        )

    # token, count, page (kinds and applications joined), property mappings
    with django_assert_num_queries(4):
        response = admin_client.get(URL, {"page_size": 100})

    results = response.json()["results"]
    assert len(results) == count
    assert results[-1]["assigned_application_slug"] == f"app-{count - 1}"
    assert len(results[-1]["property_mappings"]) == 3


def test_retrieve_and_delete_query_counts(
    admin_client, make_outpost, django_assert_num_queries, django_assert_max_num_queries
):
    provider = ProxyProvider.objects.create(name="one")
    make_outpost(providers=[provider])

    # token, row, property mappings
    with django_assert_num_queries(3):
        admin_client.get(f"{URL}{provider.pk}/")
    with django_assert_max_num_queries(30):
        response = admin_client.delete(f"{URL}{provider.pk}/")

    assert response.status_code == 204
