"""The agent websocket on the real server: one worker, in-process channel layer."""

import json
import time
from datetime import datetime

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from tests.agents import (
    ACK,
    HELLO,
    TRIGGER_UPDATE,
    connect_agent,
    last_line,
    make_outpost,
    open_socket,
    outpost_key,
    ws_url,
)


@pytest.fixture(scope="module")
def outpost(app_server) -> dict:
    """An outpost with one proxy provider, and its agent's key."""
    pk, provider = make_outpost(app_server)
    return {"pk": pk, "provider": provider, "key": outpost_key(app_server, pk)}


def health(server, outpost_pk: str) -> list[dict]:
    with server.client() as client:
        response = client.get(f"/api/v3/outposts/instances/{outpost_pk}/health/")
    assert response.status_code == 200, response.text
    return response.json()


def test_hello_is_acked_and_ack_is_ignored(app_server, outpost):
    agent = connect_agent(app_server, outpost["pk"], outpost["key"])

    assert agent.hello() == ACK
    agent.send(ACK)
    agent.assert_silent(0.5)
    # Still open and answering after the ignored ack.
    assert agent.hello() == ACK
    agent.close()


def test_superuser_token_is_accepted(app_server, outpost):
    agent = connect_agent(app_server, outpost["pk"], app_server.token)

    assert agent.hello() == ACK
    agent.close()


@pytest.mark.parametrize(
    ("version", "outdated"),
    [
        ("2026.8.4", True),
        ("2025.12.1", True),
        ("2026.8.5", False),
        ("2026.10.0", False),
    ],
)
def test_health_lists_instance_with_computed_fields(
    app_server, outpost, version, outdated
):
    agent = connect_agent(app_server, outpost["pk"], outpost["key"])
    before = time.time()
    agent.hello(version=version, hostname=f"host-{version}", fipsEnabled=None)

    entries = [e for e in health(app_server, outpost["pk"]) if e["uid"] == agent.uid]

    assert len(entries) == 1
    entry = entries.pop()
    last_seen = datetime.fromisoformat(entry.pop("last_seen")).timestamp()
    assert before - 1 <= last_seen <= time.time() + 1
    assert entry == {
        "uid": agent.uid,
        "version": version,
        "golang_version": HELLO["golangVersion"],
        "openssl_enabled": True,
        "openssl_version": HELLO["opensslVersion"],
        "fips_enabled": None,
        "version_should": "2026.8.5",
        "version_outdated": outdated,
        "build_hash": HELLO["buildHash"],
        "build_hash_should": "",
        "hostname": f"host-{version}",
    }
    agent.close()


def test_health_is_ordered_by_uid_and_forgets_after_15_seconds(app_server):
    pk, _ = make_outpost(app_server)
    key = outpost_key(app_server, pk)
    agents = [connect_agent(app_server, pk, key, uid) for uid in ("b-agent", "a-agent")]
    for agent in agents:
        agent.hello()
    said_hello = time.monotonic()

    assert [entry["uid"] for entry in health(app_server, pk)] == ["a-agent", "b-agent"]

    # A message other than an ack keeps "a-agent" alive for 15 more seconds.
    time.sleep(5)
    agents[1].send({"instruction": 4, "args": {}})
    refreshed = time.monotonic()
    agents[1].assert_silent(0.3)
    while time.monotonic() - said_hello < 14:
        assert [entry["uid"] for entry in health(app_server, pk)] == [
            "a-agent",
            "b-agent",
        ]
        time.sleep(2)
    time.sleep(max(0.0, said_hello + 16 - time.monotonic()))
    assert [entry["uid"] for entry in health(app_server, pk)] == ["a-agent"]
    time.sleep(max(0.0, refreshed + 16 - time.monotonic()))
    assert health(app_server, pk) == []
    for agent in agents:
        agent.close()


def test_acks_do_not_keep_an_instance_alive(app_server):
    pk, _ = make_outpost(app_server)
    agent = connect_agent(app_server, pk, outpost_key(app_server, pk))
    agent.hello()
    said_hello = time.monotonic()

    while time.monotonic() - said_hello < 16:
        agent.send(ACK)
        time.sleep(1)

    assert health(app_server, pk) == []
    agent.close()


def test_patch_delivers_one_trigger_update_within_a_second(app_server, outpost):
    agents = [connect_agent(app_server, outpost["pk"], outpost["key"]) for _ in "ab"]
    for agent in agents:
        agent.hello()

    with app_server.client() as client:
        response = client.patch(
            f"/api/v3/outposts/instances/{outpost['pk']}/",
            json={"config": {"log_level": f"debug-{time.time()}"}},
        )
    assert response.status_code == 200, response.text

    for agent in agents:
        assert agent.recv(timeout=1) == TRIGGER_UPDATE
    for agent in agents:
        agent.assert_silent(0.5)
        agent.close()


def test_patch_that_changes_nothing_delivers_nothing(app_server, outpost):
    agent = connect_agent(app_server, outpost["pk"], outpost["key"])
    agent.hello()

    with app_server.client() as client:
        response = client.patch(f"/api/v3/outposts/instances/{outpost['pk']}/", json={})
    assert response.status_code == 200, response.text

    agent.assert_silent(1.0)
    agent.close()


def test_other_outposts_agents_hear_nothing(app_server, outpost):
    other, _ = make_outpost(app_server)
    bystander = connect_agent(app_server, other, outpost_key(app_server, other))
    bystander.hello()

    with app_server.client() as client:
        response = client.patch(
            f"/api/v3/outposts/instances/{outpost['pk']}/",
            json={"config": {"log_level": "warning"}},
        )
    assert response.status_code == 200, response.text

    bystander.assert_silent(1.0)
    bystander.close()


def test_deleting_the_outpost_tells_its_agents(app_server):
    pk, _ = make_outpost(app_server)
    agent = connect_agent(app_server, pk, outpost_key(app_server, pk))
    agent.hello()

    with app_server.client() as client:
        response = client.delete(f"/api/v3/outposts/instances/{pk}/")
    assert response.status_code == 204, response.text

    assert agent.recv(timeout=1) == TRIGGER_UPDATE
    agent.close()


def refused_status(url: str, key: str | None) -> int:
    with pytest.raises(InvalidStatus) as refused:
        open_socket(url, key)
    return refused.value.response.status_code


def test_stranger_token_is_refused(app_server, outpost):
    stranger = last_line(app_server.manage("create_token", "ws-stranger"))

    assert refused_status(ws_url(app_server, outpost["pk"]), stranger) == 403


def test_another_outposts_token_is_refused(app_server, outpost):
    other, _ = make_outpost(app_server)
    other_key = outpost_key(app_server, other)

    assert refused_status(ws_url(app_server, outpost["pk"]), other_key) == 403
    # The same key is good for its own outpost.
    agent = connect_agent(app_server, other, other_key)
    assert agent.hello() == ACK
    agent.close()


def test_global_view_permission_is_accepted(app_server, outpost):
    key = last_line(app_server.manage("create_token", "ws-viewer"))
    app_server.shell(
        "from django.contrib.auth.models import Permission, User\n"
        "user = User.objects.get(username='ws-viewer')\n"
        "user.user_permissions.add(Permission.objects.get(codename='view_outpost'))\n"
    )

    agent = connect_agent(app_server, outpost["pk"], key)
    assert agent.hello() == ACK
    agent.close()


def test_rotated_token_is_refused(app_server):
    pk, _ = make_outpost(app_server)
    old_key = outpost_key(app_server, pk)
    new_key = outpost_key(app_server, pk)

    assert refused_status(ws_url(app_server, pk), old_key) == 403
    agent = connect_agent(app_server, pk, new_key)
    assert agent.hello() == ACK
    agent.close()


@pytest.mark.parametrize(
    ("case", "authorization"),
    [
        ("no token", None),
        ("empty bearer", ""),
        ("bad token", "not-a-real-key"),
    ],
)
def test_missing_or_bad_token_is_refused(app_server, outpost, case, authorization):
    assert refused_status(ws_url(app_server, outpost["pk"]), authorization) == 403


def test_basic_scheme_is_refused(app_server, outpost):
    with pytest.raises(InvalidStatus) as refused:
        connect(
            ws_url(app_server, outpost["pk"]),
            additional_headers={"Authorization": f"Basic {outpost['key']}"},
            legacy=True,
        )
    assert refused.value.response.status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "/ws/outpost/{pk}/",
        "/ws/outpost/{pk}/?instance_uuid=",
        "/ws/outpost/00000000-0000-4000-8000-000000000000/?instance_uuid=x",
        "/ws/outpost/not-a-uuid/?instance_uuid=x",
        "/ws/elsewhere/?instance_uuid=x",
    ],
    ids=["no instance", "empty instance", "no such outpost", "bad uuid", "other path"],
)
def test_bad_address_is_refused(app_server, outpost, path):
    url = app_server.url.replace("http://", "ws://") + path.format(pk=outpost["pk"])

    assert refused_status(url, app_server.token) == 403


@pytest.mark.parametrize(
    ("message", "code", "reason"),
    [
        ("not json", 4000, "message is not valid JSON"),
        (b'{"instruction": 1}', 4000, "messages must be JSON text frames"),
        ("[1, 2]", 4000, "message must be a JSON object"),
        ('"hello"', 4000, "message must be a JSON object"),
        ('{"args": {}}', 4000, "instruction must be an integer"),
        ('{"instruction": "1"}', 4000, "instruction must be an integer"),
        ('{"instruction": true}', 4000, "instruction must be an integer"),
        ('{"instruction": 1.0}', 4000, "instruction must be an integer"),
        ('{"instruction": 0, "args": []}', 4000, "args must be a JSON object"),
        ('{"instruction": 9, "args": {}}', 4001, "unknown instruction 9"),
        ('{"instruction": -1}', 4001, "unknown instruction -1"),
        (
            '{"instruction": 1, "args": {"version": 2026}}',
            4002,
            "version has the wrong type",
        ),
        (
            '{"instruction": 1, "args": {"opensslEnabled": "yes"}}',
            4002,
            "opensslEnabled has the wrong type",
        ),
        (
            '{"instruction": 1, "args": {"fipsEnabled": 0}}',
            4002,
            "fipsEnabled has the wrong type",
        ),
        (
            json.dumps({"instruction": 1, "args": {"hostname": "h" * 300}}),
            4002,
            "hostname is too long",
        ),
        ("x" * 70000, 4000, "message too long"),
    ],
)
def test_malformed_message_closes_with_code(app_server, outpost, message, code, reason):
    agent = connect_agent(app_server, outpost["pk"], outpost["key"])

    agent.socket.send(message)

    with pytest.raises(ConnectionClosed) as closed:
        agent.socket.recv(timeout=5)
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (code, reason)
    # A rejected hello records nothing.
    assert agent.uid not in [
        entry["uid"] for entry in health(app_server, outpost["pk"])
    ]
