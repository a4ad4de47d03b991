"""Losing the database: 503 with a JSON body while it is gone, recovery without a
restart once it is back. The database is taken away by cutting a TCP proxy
between the server and PostgreSQL; the shared cluster is never stopped."""

import re
import time

import httpx
import pytest

from tests.reliability import proxied_server

pytestmark = pytest.mark.live

INSTANCES = "/api/v3/outposts/instances/"
UNAVAILABLE = {
    "detail": "The database is not available.",
    "code": "database_unavailable",
}


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    with proxied_server(tmp_path_factory.mktemp("dbloss"), "dbloss") as pair:
        yield pair


def admin_session(server) -> httpx.Client:
    """A browser-like client logged into the admin as the bootstrap superuser."""
    # While the database is gone, an admin request waits for the connection
    # pool once per database access it tries (session, messages), so it may
    # take several pool timeouts to answer.
    client = httpx.Client(base_url=server.url, timeout=120)
    page = client.get("/admin/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    response = client.post(
        "/admin/login/?next=/admin/",
        data={
            "username": "akadmin",
            "password": server.password,
            "csrfmiddlewaretoken": token.group(1),
            "next": "/admin/",
        },
    )
    assert response.status_code == 302, response.text
    assert client.get("/admin/").status_code == 200
    return client


def ready_within(server, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if httpx.get(f"{server.url}/-/health/ready/", timeout=30).status_code == 200:
            return True
        time.sleep(0.5)
    return False


def test_requests_get_503_while_the_database_is_gone_and_recover_after(proxied):
    server, proxy = proxied
    api = server.client()
    admin = admin_session(server)
    outposts = api.get(INSTANCES).json()["results"]

    proxy.cut()
    try:
        listed = api.get(INSTANCES)
        patched = api.patch(f"{INSTANCES}{outposts[0]['pk']}/", json={"config": {}})
        ready = httpx.get(f"{server.url}/-/health/ready/", timeout=30)
        live = httpx.get(f"{server.url}/-/health/live/", timeout=30)
        admin_page = admin.get("/admin/outposts/outpost/")
    finally:
        proxy.restore()

    for response in (listed, patched, admin_page):
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/json"
        assert response.json() == UNAVAILABLE
    assert ready.status_code == 503
    assert ready.json() == {
        "status": "unavailable",
        "reason": "database: OperationalError",
    }
    assert live.status_code == 200
    # Back without a restart, once the connection pool has reconnected (its
    # retries back off, so this can take several seconds).
    assert ready_within(server, seconds=60)
    assert api.get(INSTANCES).json()["results"] == outposts
    assert admin.get("/admin/outposts/outpost/").status_code == 200


def test_errors_while_the_database_is_gone_are_logged_with_their_request_id(proxied):
    server, proxy = proxied
    api = server.client()

    proxy.cut()
    try:
        response = api.get(INSTANCES, headers={"X-Request-ID": "lost-db-1"})
    finally:
        proxy.restore()

    assert response.status_code == 503
    assert response.headers["x-request-id"] == "lost-db-1"
    lines = [
        line for line in server.log_path.read_text().splitlines() if "lost-db-1" in line
    ]
    events = {re.search(r'"event": "([a-z_]+)"', line).group(1) for line in lines}
    assert {"database_unavailable", "request"} <= events
