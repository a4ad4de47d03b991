"""The agent channel with Redis: changes made anywhere reach the agents.

The server runs two workers sharing the Redis channel layer and cache, so a
change committed by any process (a worker serving the API, or a `manage.py
shell`) reaches agents connected to any worker.
"""

import os
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
import redis

from tests.agents import (
    ACK,
    TRIGGER_UPDATE,
    connect_agent,
    last_line,
    logged_events,
    make_outpost,
    outpost_key,
)
from tests.live import fresh_postgres_database, launch, postgres_url, stop_server

# A database number of its own, so other users of the Redis server are safe.
REDIS_DB = int(os.environ.get("AGENT_TESTS_REDIS_DB", "13"))


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    """The production server with REDIS_URL and two workers, on its own database."""
    tmp_path = tmp_path_factory.mktemp("live_redis")
    redis_url = f"redis://127.0.0.1:6379/{REDIS_DB}"
    redis.Redis.from_url(redis_url).flushdb()
    base = postgres_url()
    if base is not None:
        name = f"{urlsplit(base).path[1:]}_redis"
        database = fresh_postgres_database(base, name)
    else:
        database = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    server = launch(tmp_path, database, OUTPOSTS_WORKERS="2", REDIS_URL=redis_url)
    yield server
    stop_server(server.process)


@pytest.fixture
def outpost(redis_server) -> dict:
    pk, provider = make_outpost(redis_server)
    return {"pk": pk, "provider": provider, "key": outpost_key(redis_server, pk)}


@pytest.fixture
def agent(redis_server, outpost):
    connected = connect_agent(redis_server, outpost["pk"], outpost["key"])
    assert connected.hello() == ACK
    yield connected
    connected.close()


def shell(server, *lines: str) -> str:
    return server.shell("\n".join(lines) + "\n")


def assert_one_trigger(*agents) -> None:
    """Each agent hears exactly one trigger-update, within a second."""
    for each in agents:
        assert each.recv(timeout=1) == TRIGGER_UPDATE
    for each in agents:
        each.assert_silent(0.5)


def test_server_says_it_runs_two_workers_on_redis(redis_server):
    records = logged_events(redis_server.log_path, "channel_layer")

    assert [(r["backend"], r["workers"]) for r in records] == [("redis", 2)]


def test_idle_agent_stays_connected_and_hears_changes(redis_server, outpost, agent):
    # Longer than the channel layer's blocking reads on Redis, several times.
    agent.assert_silent(12)

    with redis_server.client() as client:
        response = client.patch(
            f"/api/v3/outposts/instances/{outpost['pk']}/",
            json={"config": {"log_level": "trace"}},
        )
    assert response.status_code == 200, response.text

    assert_one_trigger(agent)
    assert agent.hello() == ACK


def test_provider_edit_delivers_trigger(redis_server, outpost, agent):
    shell(
        redis_server,
        "from outposts.models import ProxyProvider",
        f"p = ProxyProvider.objects.get(pk={outpost['provider']})",
        "p.name = p.name + '-edited'",
        "p.save()",
    )

    assert_one_trigger(agent)


def test_base_provider_edit_delivers_trigger(redis_server, outpost, agent):
    shell(
        redis_server,
        "from outposts.models import Provider",
        f"Provider.objects.get(pk={outpost['provider']}).save()",
    )

    assert_one_trigger(agent)


def test_provider_delete_delivers_one_trigger(redis_server, outpost, agent):
    shell(
        redis_server,
        "from outposts.models import ProxyProvider",
        f"ProxyProvider.objects.get(pk={outpost['provider']}).delete()",
    )

    assert_one_trigger(agent)


def test_property_mapping_change_delivers_trigger(redis_server, outpost, agent):
    shell(
        redis_server,
        "from outposts.models import PropertyMapping, Provider",
        f"m = PropertyMapping.objects.create(name='mapping-{outpost['pk']}')",
        f"Provider.objects.get(pk={outpost['provider']}).property_mappings.add(m)",
    )

    assert_one_trigger(agent)


def test_application_change_delivers_trigger(redis_server, outpost, agent):
    slug = f"app-{outpost['provider']}"
    shell(
        redis_server,
        "from outposts.models import Application",
        f"Application.objects.create(name='{slug}', slug='{slug}', "
        f"provider_id={outpost['provider']})",
    )

    assert_one_trigger(agent)


def test_service_connection_edit_and_delete_deliver_triggers(
    redis_server, outpost, agent
):
    sc = last_line(
        shell(
            redis_server,
            "from outposts.models import DockerServiceConnection",
            "sc = DockerServiceConnection.objects.create(",
            f"    name='docker-{outpost['pk']}', url='unix:///a.sock')",
            "print(sc.pk)",
        )
    )
    with redis_server.client() as client:
        response = client.patch(
            f"/api/v3/outposts/instances/{outpost['pk']}/",
            json={"service_connection": sc},
        )
        assert response.status_code == 200, response.text
    assert_one_trigger(agent)

    shell(
        redis_server,
        "from outposts.models import DockerServiceConnection",
        f"sc = DockerServiceConnection.objects.get(pk='{sc}')",
        "sc.url = 'unix:///b.sock'",
        "sc.save()",
    )
    assert_one_trigger(agent)

    shell(
        redis_server,
        "from outposts.models import OutpostServiceConnection",
        f"OutpostServiceConnection.objects.get(pk='{sc}').delete()",
    )
    assert_one_trigger(agent)


def test_unused_service_connection_edit_delivers_nothing(redis_server, agent):
    shell(
        redis_server,
        "from outposts.models import KubernetesServiceConnection",
        "sc = KubernetesServiceConnection.objects.create(name='k8s-unused')",
        "sc.verify_ssl = False",
        "sc.save()",
    )

    agent.assert_silent(1.0)


def test_provider_moved_between_outposts_tells_both(redis_server, outpost, agent):
    other, _ = make_outpost(redis_server)
    other_agent = connect_agent(redis_server, other, outpost_key(redis_server, other))
    other_agent.hello()

    shell(
        redis_server,
        "from outposts.models import Provider",
        f"Provider.objects.get(pk={outpost['provider']}).outposts.set(['{other}'])",
    )

    assert_one_trigger(agent, other_agent)
    other_agent.close()


@pytest.mark.parametrize(
    "change",
    [
        "o.providers.remove(p)",
        "o.providers.clear()",
        "p.outposts.remove(o)",
        "p.outposts.clear()",
        "o.providers.add(Provider.objects.create(name='extra-' + str(o.pk)))",
    ],
)
def test_provider_links_changed_outside_services_deliver_trigger(
    redis_server, outpost, agent, change
):
    shell(
        redis_server,
        "from outposts.models import Outpost, Provider",
        f"o = Outpost.objects.get(pk='{outpost['pk']}')",
        f"p = Provider.objects.get(pk={outpost['provider']})",
        change,
    )

    assert_one_trigger(agent)


def test_outpost_saved_outside_services_delivers_trigger(redis_server, outpost, agent):
    shell(
        redis_server,
        "from outposts.models import Outpost",
        f"o = Outpost.objects.get(pk='{outpost['pk']}')",
        "o.config = {'log_level': 'debug'}",
        "o.save()",
    )

    assert_one_trigger(agent)


def test_changes_in_one_transaction_deliver_one_trigger(redis_server, outpost, agent):
    shell(
        redis_server,
        "from django.db import transaction",
        "from outposts.models import Outpost, Provider, ProxyProvider",
        "with transaction.atomic():",
        f"    p = ProxyProvider.objects.get(pk={outpost['provider']})",
        "    p.name = p.name + '-1'",
        "    p.save()",
        "    p.save()",
        f"    o = Outpost.objects.get(pk='{outpost['pk']}')",
        "    o.providers.add(ProxyProvider.objects.create(name='more-' + str(o.pk)))",
        "    with transaction.atomic():",
        "        o.save()",
    )

    assert_one_trigger(agent)


def test_rolled_back_change_delivers_nothing(redis_server, outpost, agent):
    output = shell(
        redis_server,
        "from django.db import transaction",
        "from outposts.models import Outpost, ProxyProvider",
        "try:",
        "    with transaction.atomic():",
        f"        p = ProxyProvider.objects.get(pk={outpost['provider']})",
        "        p.name = p.name + '-rolled-back'",
        "        p.save()",
        f"        Outpost.objects.get(pk='{outpost['pk']}').providers.clear()",
        "        raise RuntimeError('roll back')",
        "except RuntimeError:",
        "    print('rolled back')",
    )
    assert last_line(output) == "rolled back"

    agent.assert_silent(1.5)

    # The channel works: the next committed change is heard, and only it.
    shell(
        redis_server,
        "from outposts.models import ProxyProvider",
        f"ProxyProvider.objects.get(pk={outpost['provider']}).save()",
    )
    assert_one_trigger(agent)


def test_rolled_back_savepoint_delivers_nothing(redis_server, outpost, agent):
    shell(
        redis_server,
        "from django.db import transaction",
        "from outposts.models import ProxyProvider",
        "with transaction.atomic():",
        "    try:",
        "        with transaction.atomic():",
        f"            ProxyProvider.objects.get(pk={outpost['provider']}).save()",
        "            raise RuntimeError('roll back the savepoint only')",
        "    except RuntimeError:",
        "        pass",
    )

    agent.assert_silent(1.5)


def test_agents_on_both_workers_hear_a_patch_served_by_either(redis_server, outpost):
    def connect_and_hello(_):
        agent = connect_agent(redis_server, outpost["pk"], outpost["key"])
        assert agent.hello() == ACK
        return agent

    # The workers share one listening socket; connections opened together
    # wake both, so a few bursts land agents on each.
    agents, pids = [], {}
    with ThreadPoolExecutor(max_workers=10) as pool:
        while len({pids.get(a.uid) for a in agents}) < 2 and len(agents) < 60:
            agents.extend(pool.map(connect_and_hello, range(10)))
            pids = {
                record["instance"]: record["pid"]
                for record in logged_events(redis_server.log_path, "agent_connected")
            }
    assert len({pids[agent.uid] for agent in agents}) == 2, "one worker took all"

    # Each PATCH is served by one worker; agents on both hear every one.
    for level in ("debug", "info", "warning", "error"):
        with redis_server.client() as client:
            response = client.patch(
                f"/api/v3/outposts/instances/{outpost['pk']}/",
                json={"config": {"log_level": level}},
            )
        assert response.status_code == 200, response.text
        for agent in agents:
            assert agent.recv(timeout=1) == TRIGGER_UPDATE
    for agent in agents:
        agent.assert_silent(0.5)

    # Each worker recorded the hellos it received; every answer lists all.
    expected = sorted(agent.uid for agent in agents)
    answers = []
    for _ in range(12):
        with redis_server.client() as client:
            response = client.get(f"/api/v3/outposts/instances/{outpost['pk']}/health/")
        assert response.status_code == 200, response.text
        answers.append(response.json())
    assert all([entry["uid"] for entry in answer] == expected for answer in answers)
    assert all(answer == answers[0] for answer in answers)
    for agent in agents:
        agent.close()
