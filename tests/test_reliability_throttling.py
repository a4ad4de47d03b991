"""Failed authentications are throttled per client address; nothing else is."""

import json
import random
import re

import httpx
import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.reliability import own_server

URL = "/api/v3/outposts/instances/"
TOKEN_INVALID = {"detail": "Token invalid/expired", "code": "authentication_failed"}
THROTTLED = re.compile(r"Request was throttled\. Expected available in (\d+) seconds\.")


@pytest.fixture
def limit(settings):
    settings.AUTH_FAILURE_LIMIT = 3
    settings.AUTH_FAILURE_WINDOW = 60
    return 3


def bad_request(address: str = "127.0.0.1"):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer wrong-key")
    return client.get(URL, REMOTE_ADDR=address)


def assert_throttled(response) -> None:
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "throttled"
    wait = THROTTLED.fullmatch(body["detail"])
    assert wait, body
    assert response["Retry-After"] == wait.group(1)
    assert 1 <= int(wait.group(1)) <= 60


def test_failures_past_the_limit_are_429_with_retry_after(db, limit):
    for _ in range(limit):
        response = bad_request()
        assert response.status_code == 403
        assert response.json() == TOKEN_INVALID

    assert_throttled(bad_request())
    assert_throttled(bad_request())


def test_other_addresses_are_not_affected(db, limit):
    for _ in range(limit + 1):
        bad_request("192.0.2.1")

    response = bad_request("192.0.2.2")

    assert response.status_code == 403
    assert response.json() == TOKEN_INVALID


def test_valid_token_from_a_throttled_address_is_served(superuser, make_token, limit):
    for _ in range(limit + 1):
        bad_request("192.0.2.7")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(superuser)}")

    response = client.get(URL, REMOTE_ADDR="192.0.2.7")

    assert response.status_code == 200


def test_requests_without_credentials_do_not_count(db, limit):
    for _ in range(limit * 3):
        assert APIClient().get(URL).status_code == 403

    response = bad_request()

    assert response.status_code == 403
    assert response.json() == TOKEN_INVALID


def test_valid_tokens_never_touch_the_counter(superuser, make_token, limit):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(superuser)}")

    for _ in range(limit * 3):
        assert client.get(URL).status_code == 200

    # The local-memory cache is this process's own: nothing was stored in it.
    assert not [key for key in cache._cache if "auth-failures" in key]


def test_counter_starts_again_in_the_next_window(db, settings, monkeypatch):
    settings.AUTH_FAILURE_LIMIT = 1
    settings.AUTH_FAILURE_WINDOW = 10
    clock = [1000.0]
    monkeypatch.setattr("outposts.api.throttling.time.time", lambda: clock[0])
    bad_request()
    assert_throttled(bad_request())

    clock[0] = 1010.0

    assert bad_request().status_code == 403


def test_retry_after_counts_down_to_the_window_end(db, settings, monkeypatch):
    settings.AUTH_FAILURE_LIMIT = 1
    settings.AUTH_FAILURE_WINDOW = 60
    monkeypatch.setattr("outposts.api.throttling.time.time", lambda: 1200.0 + 15.5)
    bad_request()

    response = bad_request()

    assert response["Retry-After"] == "45"
    assert response.json() == {
        "detail": "Request was throttled. Expected available in 45 seconds.",
        "code": "throttled",
    }


# --- Through the real server: two workers sharing the counter through Redis ---


@pytest.fixture(scope="module")
def throttled_server(tmp_path_factory):
    with own_server(
        tmp_path_factory.mktemp("throttle"),
        "throttle",
        OUTPOSTS_WORKERS="2",
        REDIS_URL="redis://127.0.0.1:6379/11",
        OUTPOSTS_AUTH_FAILURE_LIMIT="4",
    ) as server:
        yield server


def client_from(server, address: str, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=server.url,
        headers={"Authorization": f"Bearer {token}"},
        transport=httpx.HTTPTransport(local_address=address),
        timeout=30,
    )


def random_loopback() -> str:
    # A fresh source address per run keeps counters of earlier runs, still in
    # Redis, out of this one.
    return "127." + ".".join(str(random.randint(2, 254)) for _ in range(3))


def test_live_workers_share_the_counter_and_spare_other_addresses(throttled_server):
    attacker, bystander = random_loopback(), random_loopback()
    key = "not-a-key-" + "k" * 40

    # New connections each time, so both workers take their share.
    statuses = []
    for _ in range(8):
        with client_from(throttled_server, attacker, key) as client:
            statuses.append(client.get(URL))
    with client_from(throttled_server, bystander, key) as client:
        other = client.get(URL)
    with client_from(throttled_server, attacker, throttled_server.token) as client:
        valid = client.get(URL)

    assert [r.status_code for r in statuses] == [403] * 4 + [429] * 4
    assert_live_throttled(statuses[-1])
    assert other.status_code == 403
    assert valid.status_code == 200
    log = throttled_server.log_path.read_text()
    assert key not in log
    failures = [
        json.loads(line)
        for line in log.splitlines()
        if '"authentication_failed"' in line and attacker in line
    ]
    assert len(failures) == 8
    assert {(f["path"], f["client_ip"]) for f in failures} == {(URL, attacker)}


def assert_live_throttled(response) -> None:
    assert response.status_code == 429
    wait = THROTTLED.fullmatch(response.json()["detail"])
    assert response.json()["code"] == "throttled"
    assert response.headers["retry-after"] == wait.group(1)


def test_live_permission_denials_are_logged_without_the_key(throttled_server):
    key = throttled_server.manage("create_token", "no-permissions").splitlines()[-1]
    address = random_loopback()

    with client_from(throttled_server, address, key) as client:
        response = client.get(URL)

    assert response.status_code == 403
    assert response.json() == {
        "detail": "You do not have permission to perform this action.",
        "code": "permission_denied",
    }
    log = throttled_server.log_path.read_text()
    assert key not in log
    denials = [
        json.loads(line)
        for line in log.splitlines()
        if '"permission_denied"' in line and address in line
    ]
    assert [(d["path"], d["user"]) for d in denials] == [(URL, "no-permissions")]
