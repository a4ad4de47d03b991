"""The outposts list: envelope, paging, filters, search, ordering, query counts."""

import pytest

from outposts.models import DockerServiceConnection, Outpost

URL = "/api/v3/outposts/instances/"


def names(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["name"] for row in response.json()["results"]]


@pytest.fixture
def only_mine(db):
    """Start from no outposts at all, the embedded one included."""
    Outpost.objects.all().delete()


def test_empty_list_envelope(admin_client, only_mine):
    response = admin_client.get(URL)

    assert response.json() == {
        "pagination": {
            "next": 0,
            "previous": 0,
            "count": 0,
            "current": 1,
            "total_pages": 1,
            "start_index": 0,
            "end_index": 0,
        },
        "results": [],
        "autocomplete": {},
    }


def test_paging_envelope(admin_client, only_mine, make_outpost):
    for index in range(5):
        make_outpost(name=f"o{index}")

    response = admin_client.get(URL, {"page": 2, "page_size": 2})

    assert response.json()["pagination"] == {
        "next": 3,
        "previous": 1,
        "count": 5,
        "current": 2,
        "total_pages": 3,
        "start_index": 3,
        "end_index": 4,
    }
    assert names(response) == ["o2", "o3"]


@pytest.mark.parametrize(
    ("page_size", "expected"),
    [(None, 20), ("5", 5), ("1000", 100), ("0", 20), ("-3", 20), ("x", 20)],
)
def test_page_size_bounds(admin_client, only_mine, make_provider, page_size, expected):
    provider = make_provider()
    Outpost.objects.bulk_create(Outpost(name=f"o{index:03}") for index in range(120))
    for outpost in Outpost.objects.all():
        outpost.providers.add(provider)
    params = {} if page_size is None else {"page_size": page_size}

    response = admin_client.get(URL, params)

    assert len(response.json()["results"]) == expected


def test_filters(admin_client, only_mine, make_outpost, make_provider):
    docker = DockerServiceConnection.objects.create(name="Docker Main", url="unix:///d")
    p1, p2 = make_provider(), make_provider()
    make_outpost(name="Alpha", providers=[p1], managed="ops/Alpha")
    make_outpost(name="Beta", providers=[p2], service_connection=docker)
    make_outpost(name="Gamma", providers=[p1, p2])
    Outpost.objects.create(name="Empty")

    assert names(admin_client.get(URL, {"name__iexact": "alpha"})) == ["Alpha"]
    assert names(admin_client.get(URL, {"name__icontains": "MM"})) == ["Gamma"]
    assert names(admin_client.get(URL, {"managed__iexact": "OPS/ALPHA"})) == ["Alpha"]
    assert names(admin_client.get(URL, {"managed__icontains": "ops"})) == ["Alpha"]
    assert names(
        admin_client.get(URL, {"service_connection__name__iexact": "docker main"})
    ) == ["Beta"]
    assert names(
        admin_client.get(URL, {"service_connection__name__icontains": "main"})
    ) == ["Beta"]
    assert names(admin_client.get(URL, {"providers__isnull": "true"})) == ["Empty"]
    assert names(admin_client.get(URL, {"providers__isnull": "false"})) == [
        "Alpha",
        "Beta",
        "Gamma",
    ]
    assert names(admin_client.get(URL, {"providers_by_pk": [p1.pk]})) == [
        "Alpha",
        "Gamma",
    ]
    assert names(admin_client.get(URL, {"providers_by_pk": [p1.pk, p2.pk]})) == [
        "Alpha",
        "Beta",
        "Gamma",
    ]


def test_unknown_provider_filter_is_400(admin_client, db):
    response = admin_client.get(URL, {"providers_by_pk": [987654]})

    assert response.status_code == 400
    assert response.json() == {
        "providers_by_pk": [
            "Select a valid choice. 987654 is not one of the available choices."
        ],
        "code": "invalid",
    }


def test_search_needs_every_term(admin_client, only_mine, make_outpost, make_provider):
    make_outpost(name="edge east", providers=[make_provider(name="Grafana")])
    make_outpost(name="edge west", providers=[make_provider(name="Wiki")])
    make_outpost(name="core", providers=[make_provider(name="grafana-internal")])

    assert names(admin_client.get(URL, {"search": "grafana"})) == ["core", "edge east"]
    assert names(admin_client.get(URL, {"search": "edge grafana"})) == ["edge east"]
    assert names(admin_client.get(URL, {"search": "edge,wiki"})) == ["edge west"]
    assert names(admin_client.get(URL, {"search": "nothing"})) == []


def test_ordering(admin_client, only_mine, make_outpost, make_provider):
    make_outpost(name="b", type="ldap", providers=[make_provider("ldap")])
    make_outpost(name="a", type="radius", providers=[make_provider("radius")])
    make_outpost(name="c", type="proxy")

    assert names(admin_client.get(URL)) == ["a", "b", "c"]
    assert names(admin_client.get(URL, {"ordering": "-name"})) == ["c", "b", "a"]
    assert names(admin_client.get(URL, {"ordering": "type"})) == ["b", "c", "a"]
    assert names(admin_client.get(URL, {"ordering": "bogus,-name"})) == ["c", "b", "a"]


@pytest.mark.parametrize(("outposts", "providers"), [(1, 1), (30, 10)])
def test_list_query_count_is_fixed(
    admin_client,
    only_mine,
    make_provider,
    django_assert_num_queries,
    outposts,
    providers,
):
    docker = DockerServiceConnection.objects.create(name="d", url="unix:///d")
    pool = [make_provider(application=f"app-{index}") for index in range(providers)]
    created = Outpost.objects.bulk_create(
        Outpost(name=f"o{index:03}", service_connection=docker)
        for index in range(outposts)
    )
    for outpost in created:
        outpost.providers.set(pool)

    # token, count, page, providers of the page with their property mappings
    with django_assert_num_queries(4):
        response = admin_client.get(URL, {"page_size": 100})

    assert len(response.json()["results"]) == outposts
    first = response.json()["results"][0]
    assert len(first["providers_obj"]) == providers
    assert first["providers_obj"][0]["assigned_application_slug"] == "app-0"
    assert first["service_connection_obj"]["component"] == (
        "ak-service-connection-docker-form"
    )


@pytest.mark.parametrize("providers", [1, 20])
def test_retrieve_query_count_is_fixed(
    admin_client, make_outpost, make_provider, django_assert_num_queries, providers
):
    outpost = make_outpost(providers=[make_provider() for _ in range(providers)])

    # token, outpost, providers
    with django_assert_num_queries(3):
        response = admin_client.get(f"{URL}{outpost.pk}/")

    assert len(response.json()["providers"]) == providers


@pytest.mark.parametrize("providers", [1, 20])
def test_patch_query_count_is_fixed(
    admin_client, make_outpost, make_provider, django_assert_num_queries, providers
):
    outpost = make_outpost(providers=[make_provider() for _ in range(providers)])

    # token, then the write with its event in one statement and the
    # providers, in a savepoint of the test's transaction
    with django_assert_num_queries(5):
        response = admin_client.patch(
            f"{URL}{outpost.pk}/", {"name": "renamed", "config": {"log_level": "debug"}}
        )

    assert response.status_code == 200
