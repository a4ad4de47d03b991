"""A write that fails anywhere leaves the outpost, its providers, its service
account's grants and the audit log exactly as they were."""

import socket
import threading
import time
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from guardian.models import UserObjectPermission
from rest_framework.test import APIClient

from outposts.models import Event, Outpost, Token
from tests.reliability import (
    outpost_create,
    outpost_state,
    provider_create,
    proxied_server,
    query,
)

URL = "/api/v3/outposts/instances/"
SERVER_ERROR = {"detail": "A server error occurred.", "code": "error"}
UNAVAILABLE = {
    "detail": "The database is not available.",
    "code": "database_unavailable",
}


def everything() -> tuple:
    """The whole state a write to outposts can touch."""
    return (
        sorted(Outpost.objects.values_list("pk", "name", "type", "config", "managed")),
        sorted(
            Outpost.providers.through.objects.values_list("outpost_id", "provider_id")
        ),
        sorted(Event.objects.values_list("pk", flat=True)),
        sorted(UserObjectPermission.objects.values_list("permission_id", "object_pk")),
        sorted(get_user_model().objects.values_list("username", flat=True)),
        sorted(Token.objects.values_list("identifier", flat=True)),
    )


def event_insert_fails(sqlstate: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION reliability_fail() RETURNS trigger AS $$ BEGIN "
            f"RAISE EXCEPTION 'injected failure' USING ERRCODE = '{sqlstate}'; "
            "END $$ LANGUAGE plpgsql"
        )
        cursor.execute(
            "CREATE TRIGGER reliability_fail BEFORE INSERT ON outposts_event "
            "FOR EACH ROW EXECUTE FUNCTION reliability_fail()"
        )


@pytest.fixture
def failing_client(superuser, make_token):
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(superuser)}")
    return client


@pytest.fixture
def outpost(make_outpost):
    return make_outpost(name="edge", config={"log_level": "debug"})


def write(client, method: str, outpost, make_provider):
    fresh = [make_provider("proxy").pk, make_provider("proxy").pk]
    body = {"name": "renamed", "type": "proxy", "providers": fresh, "config": {}}
    if method == "post":
        return client.post(URL, {**body, "name": "new"})
    if method == "delete":
        return client.delete(f"{URL}{outpost.pk}/")
    if method == "patch-fields":
        # Only fields a write may change without the row lock.
        fields = {"name": "renamed", "config": {"log_level": "info"}}
        return client.patch(f"{URL}{outpost.pk}/", fields)
    return getattr(client, method)(f"{URL}{outpost.pk}/", body)


@pytest.mark.parametrize(
    ("sqlstate", "status", "body"),
    [("P0001", 500, SERVER_ERROR), ("08006", 503, UNAVAILABLE)],
)
@pytest.mark.parametrize("method", ["post", "put", "patch", "patch-fields", "delete"])
def test_database_error_at_the_audit_event_rolls_back_the_write(
    failing_client, outpost, make_provider, method, sqlstate, status, body
):
    write(failing_client, "get", outpost, make_provider)  # providers exist first
    before = everything()
    event_insert_fails(sqlstate)

    response = write(failing_client, method, outpost, make_provider)

    assert response.status_code == status
    assert response.json() == body
    # The providers this test just made are part of neither state.
    after = everything()
    assert after[:1] + after[2:] == before[:1] + before[2:]
    assert after[1] == before[1]


def test_validation_failure_after_a_valid_field_changes_nothing(
    admin_client, outpost, make_provider
):
    before = everything()

    response = admin_client.patch(
        f"{URL}{outpost.pk}/",
        {"name": "fine", "providers": [make_provider("proxy").pk], "type": "x"},
    )

    assert response.status_code == 400
    assert response.json() == {
        "type": ['"x" is not a valid choice.'],
        "code": "invalid",
    }
    after = everything()
    assert after[:1] + after[2:] == before[:1] + before[2:]


# --- The real server: lost connections ------------------------------------------


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    with proxied_server(tmp_path_factory.mktemp("atomic"), "atomic") as pair:
        yield pair


@pytest.fixture
def slow_events(proxied):
    """Every audit event insert takes 1.5 s, holding the write's transaction open."""
    server, _ = proxied
    query(
        server,
        "CREATE OR REPLACE FUNCTION reliability_slow() RETURNS trigger AS $$ BEGIN "
        "PERFORM pg_sleep(1.5); RETURN NEW; END $$ LANGUAGE plpgsql",
    )
    query(
        server,
        "CREATE TRIGGER reliability_slow BEFORE INSERT ON outposts_event "
        "FOR EACH ROW EXECUTE FUNCTION reliability_slow()",
    )
    yield
    query(server, "DROP TRIGGER reliability_slow ON outposts_event")


@pytest.fixture
def live_outpost(proxied):
    server, _ = proxied
    name = f"atomic-{time.monotonic_ns()}"
    provider = provider_create(server, "proxy", f"{name}-a")
    with server.client() as client:
        return outpost_create(client, name, [provider]), server


def patch_bytes(server, outpost: dict, body: bytes, declared: int | None = None) -> str:
    length = len(body) if declared is None else declared
    return (
        f"PATCH {URL}{outpost['pk']}/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {server.token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode() + body


def send_and_hang_up(server, payload: bytes, after: float) -> None:
    parts = urlsplit(server.url)
    with socket.create_connection((parts.hostname, parts.port)) as sock:
        sock.sendall(payload)
        time.sleep(after)


def test_client_gone_before_the_body_arrived_changes_nothing(live_outpost):
    outpost, server = live_outpost
    before = outpost_state(server, outpost["pk"])

    send_and_hang_up(
        server, patch_bytes(server, outpost, b'{"name": "half', declared=200), 0.3
    )
    time.sleep(0.5)

    assert outpost_state(server, outpost["pk"]) == before


def test_client_gone_during_the_write_gets_all_of_it_or_nothing(
    live_outpost, slow_events
):
    outpost, server = live_outpost
    provider = provider_create(server, "proxy", f"{outpost['name']}-b")
    before = outpost_state(server, outpost["pk"])
    body = b'{"name": "%s-x", "providers": [%d]}' % (outpost["name"].encode(), provider)

    # The client hangs up while the event insert is sleeping in the transaction.
    send_and_hang_up(server, patch_bytes(server, outpost, body), 0.5)
    time.sleep(2.5)

    after = outpost_state(server, outpost["pk"])
    # The write had started; it runs to its commit, whole: the row, the new
    # provider, one audit event and the service account's grant together.
    row, providers, events, grants = after
    assert row[0][0] == f"{outpost['name']}-x"
    assert providers == [(provider,)]
    assert len(events) == len(before[2]) + 1
    assert grants != before[3]


def test_database_connection_lost_during_the_write_changes_nothing(
    live_outpost, proxied, slow_events
):
    outpost, server = live_outpost
    _, proxy = proxied
    provider = provider_create(server, "proxy", f"{outpost['name']}-c")
    before = outpost_state(server, outpost["pk"])
    result = {}

    def patch():
        with server.client() as client:
            result["response"] = client.patch(
                f"{URL}{outpost['pk']}/",
                json={"name": f"{outpost['name']}-y", "providers": [provider]},
            )

    writer = threading.Thread(target=patch)
    writer.start()
    time.sleep(0.7)
    proxy.cut()
    writer.join(timeout=30)
    proxy.restore()

    assert result["response"].status_code == 503
    assert result["response"].json() == UNAVAILABLE
    assert outpost_state(server, outpost["pk"]) == before
    # A pooled connection that broke with the cut fails the one request that
    # finds it (503 again), and is replaced; the server needs no restart.
    with server.client() as client:
        statuses = [client.get(f"{URL}{outpost['pk']}/").status_code for _ in range(3)]
        assert statuses[-1] == 200
        assert set(statuses) <= {200, 503}
        assert client.get(f"{URL}{outpost['pk']}/").json() == outpost
