"""Servers of their own for the reliability tests, and direct looks at their data.

These tests break things (the database connection, the rate of failed logins,
random writes from a fuzzer), so each group runs its own server on its own
PostgreSQL database rather than the session's shared one.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg

from tests.live import LiveServer, fresh_postgres_database, launch, postgres_url
from tests.live import stop_server as stop
from tests.tcp_proxy import TcpProxy


def postgres_base() -> str:
    base = postgres_url()
    if base is None:
        raise RuntimeError(
            "The reliability tests need PostgreSQL: set DATABASE_URL=postgres://..."
        )
    return base


def database_for(suffix: str) -> str:
    base = postgres_base()
    return fresh_postgres_database(base, f"{urlsplit(base).path[1:]}_{suffix}")


@contextmanager
def own_server(tmp_path: Path, suffix: str, **env: str) -> Iterator[LiveServer]:
    """A server on a fresh database `<test database>_<suffix>`."""
    server = launch(tmp_path, database_for(suffix), **{"OUTPOSTS_WORKERS": "1", **env})
    try:
        yield server
    finally:
        stop(server.process)


@contextmanager
def proxied_server(
    tmp_path: Path, suffix: str, **env: str
) -> Iterator[tuple[LiveServer, TcpProxy]]:
    """A server whose every database connection goes through a `TcpProxy`."""
    database = urlsplit(database_for(suffix))
    with TcpProxy((database.hostname, database.port or 5432)) as proxy:
        netloc = database.netloc.rsplit("@", 1)[0] + f"@127.0.0.1:{proxy.port}"
        url = urlunsplit(database._replace(netloc=netloc))
        server = launch(tmp_path, url, **{"OUTPOSTS_WORKERS": "1", **env})
        try:
            yield server, proxy
        finally:
            stop(server.process)


def direct_url(server: LiveServer) -> str:
    """The server's database, reached directly rather than through any proxy."""
    parts = urlsplit(server.env["DATABASE_URL"])
    base = urlsplit(postgres_base())
    return urlunsplit(base._replace(path=parts.path))


def query(server: LiveServer, sql: str, *params) -> list[tuple]:
    with psycopg.connect(direct_url(server), autocommit=True) as conn:
        cursor = conn.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def outpost_state(server: LiveServer, pk: str) -> tuple:
    """Everything a write may touch: the row, its providers, the audit log and the
    service account's object permissions."""
    row = query(
        server,
        "SELECT name, type, service_connection_id, config, managed "
        "FROM outposts_outpost WHERE uuid = %s",
        pk,
    )
    providers = query(
        server,
        "SELECT provider_id FROM outposts_outpost_providers "
        "WHERE outpost_id = %s ORDER BY provider_id",
        pk,
    )
    events = query(
        server,
        "SELECT event_uuid, action FROM outposts_event ORDER BY created, event_uuid",
    )
    grants = query(
        server,
        "SELECT permission_id, object_pk FROM guardian_userobjectpermission "
        "ORDER BY permission_id, object_pk",
    )
    return row, providers, events, grants


def provider_create(server: LiveServer, kind: str, name: str) -> int:
    classes = {"proxy": "ProxyProvider", "ldap": "LDAPProvider"}
    code = (
        f"from outposts.models import {classes[kind]} as P; "
        f"print(P.objects.create(name={name!r}).pk)"
    )
    return int(server.shell(code).strip().splitlines()[-1])


def outpost_create(client: httpx.Client, name: str, providers: list[int]) -> dict:
    response = client.post(
        "/api/v3/outposts/instances/",
        json={"name": name, "type": "proxy", "providers": providers, "config": {}},
    )
    assert response.status_code == 201, response.text
    return response.json()
