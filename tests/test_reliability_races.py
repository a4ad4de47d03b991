"""Real parallel requests against the real server on PostgreSQL: concurrent
writes are serialised, uniqueness holds, and no race is a 500."""

import threading
from collections.abc import Callable

import httpx
import pytest

from tests.reliability import outpost_create, own_server, provider_create, query

pytestmark = pytest.mark.live

URL = "/api/v3/outposts/instances/"
ROUNDS = 5


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # Two worker processes, so requests really run side by side.
    with own_server(
        tmp_path_factory.mktemp("races"),
        "races",
        OUTPOSTS_WORKERS="2",
        REDIS_URL="redis://127.0.0.1:6379/12",
    ) as server:
        yield server


@pytest.fixture(scope="module")
def providers(server) -> list[int]:
    return [provider_create(server, "proxy", f"race-provider-{i}") for i in range(9)]


def in_parallel(server, calls: list[Callable[[httpx.Client], httpx.Response]]):
    """Run each call on its own client and thread, released together."""
    clients = [server.client() for _ in calls]
    for client in clients:
        client.get("/-/health/live/")  # connect before the start line
    barrier = threading.Barrier(len(calls))
    results: list[httpx.Response | None] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        results[index] = calls[index](clients[index])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for client in clients:
        client.close()
    return results


def test_eight_patches_of_providers_end_with_one_clients_list(server, providers):
    with server.client() as client:
        outpost = outpost_create(client, "race-providers", [providers[0]])
    url = f"{URL}{outpost['pk']}/"
    # Overlapping lists of two, so a mix of two writes would be visible.
    lists = [sorted({providers[i], providers[i + 1]}) for i in range(8)]

    results = in_parallel(
        server,
        [lambda c, ids=ids: c.patch(url, json={"providers": ids}) for ids in lists],
    )

    assert [r.status_code for r in results] == [200] * 8
    with server.client() as client:
        final = client.get(url).json()
    assert final["providers"] in lists
    assert [p["pk"] for p in final["providers_obj"]] == final["providers"]
    # The last event written is the last change committed, and the service
    # account may view exactly the final providers.
    events = query(
        server,
        "SELECT context->'diff'->'providers'->'add' FROM outposts_event "
        "WHERE context->'model'->>'pk' = %s AND action = 'model_updated' "
        "ORDER BY created",
        outpost["pk"],
    )
    assert len(events) == 8
    assert set(events[-1][0]) <= set(final["providers"])
    granted = query(
        server,
        "SELECT p.object_pk::int FROM guardian_userobjectpermission p "
        "JOIN auth_user u ON u.id = p.user_id JOIN auth_permission a "
        "ON a.id = p.permission_id WHERE u.username = %s "
        "AND a.codename = 'view_provider' ORDER BY 1",
        "ak-outpost-" + outpost["pk"].replace("-", ""),
    )
    assert [row[0] for row in granted] == final["providers"]


def test_eight_renames_are_audited_one_after_another(server, providers):
    with server.client() as client:
        outpost = outpost_create(client, "race-rename", [providers[0]])
    url = f"{URL}{outpost['pk']}/"
    names = [f"race-rename-{i}" for i in range(8)]

    results = in_parallel(
        server,
        [lambda c, name=name: c.patch(url, json={"name": name}) for name in names],
    )

    assert [r.status_code for r in results] == [200] * 8
    assert sorted(r.json()["name"] for r in results) == names
    # Each change was made against the name the one before it left, so the
    # audit log is a single chain from the first name to the stored one.
    changes = query(
        server,
        "SELECT context->'diff'->'name'->>'previous_value', "
        "context->'diff'->'name'->>'new_value' FROM outposts_event "
        "WHERE context->'model'->>'pk' = %s AND action = 'model_updated' "
        "ORDER BY created",
        outpost["pk"],
    )
    assert len(changes) == 8
    assert changes[0][0] == "race-rename"
    for before, after in zip(changes, changes[1:], strict=False):
        assert after[0] == before[1]
    with server.client() as client:
        assert client.get(url).json()["name"] == changes[-1][1]


def test_two_creates_with_one_name_give_201_and_400(server, providers):
    for round_ in range(ROUNDS):
        name = f"race-create-{round_}"
        body = {
            "name": name,
            "type": "proxy",
            "providers": [providers[0]],
            "config": {},
        }

        results = in_parallel(server, [lambda c, body=body: c.post(URL, json=body)] * 2)

        assert sorted(r.status_code for r in results) == [201, 400]
        refused = next(r for r in results if r.status_code == 400)
        assert refused.json() == {
            "name": ["Outpost with this name already exists."],
            "code": "invalid",
        }
        with server.client() as client:
            found = client.get(URL, params={"name__iexact": name}).json()
        assert found["pagination"]["count"] == 1
        created = query(
            server,
            "SELECT count(*) FROM outposts_event WHERE action = 'model_created' "
            "AND context->'model'->>'name' = %s",
            name,
        )
        assert created == [(1,)]


def test_delete_racing_patch_never_fails(server, providers):
    for round_ in range(ROUNDS):
        with server.client() as client:
            outpost = outpost_create(client, f"race-delete-{round_}", [providers[0]])
        url = f"{URL}{outpost['pk']}/"

        patched, deleted = in_parallel(
            server,
            [
                lambda c, url=url: c.patch(url, json={"config": {"debug": True}}),
                lambda c, url=url: c.delete(url),
            ],
        )

        assert deleted.status_code == 204
        assert patched.status_code in (200, 404)
        if patched.status_code == 404:
            assert patched.json() == {
                "detail": "No Outpost matches the given query.",
                "code": "not_found",
            }
        with server.client() as client:
            assert client.get(url).status_code == 404


def test_renames_into_each_others_names_never_break_uniqueness(server, providers):
    for round_ in range(ROUNDS):
        with server.client() as client:
            first = outpost_create(client, f"race-a-{round_}", [providers[0]])
            second = outpost_create(client, f"race-b-{round_}", [providers[0]])
        swap = [
            (first["pk"], second["name"]),
            (second["pk"], first["name"]),
            (first["pk"], f"race-free-{round_}"),
            (second["pk"], f"race-free-{round_}"),
        ]

        results = in_parallel(
            server,
            [
                lambda c, pk=pk, name=name: c.patch(f"{URL}{pk}/", json={"name": name})
                for pk, name in swap
            ],
        )

        assert all(r.status_code in (200, 400) for r in results), [
            (r.status_code, r.text) for r in results
        ]
        for response in results:
            if response.status_code == 400:
                assert response.json() == {
                    "name": ["Outpost with this name already exists."],
                    "code": "invalid",
                }
        names = query(
            server,
            "SELECT name FROM outposts_outpost WHERE uuid IN (%s, %s)",
            first["pk"],
            second["pk"],
        )
        assert len({row[0] for row in names}) == 2
