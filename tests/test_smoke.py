"""The server `make run` starts, over HTTP: on SQLite, and without a database."""

import os
import re
import subprocess
import sys
import time
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from tests.live import ROOT, free_port, launch, postgres_url, stop_server

LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="module")
def sqlite_server(tmp_path_factory):
    """Migrated, bootstrapped and served like `make run` with no DATABASE_URL."""
    tmp_path = tmp_path_factory.mktemp("smoke")
    server = launch(tmp_path, f"sqlite:///{tmp_path / 'outposts.sqlite3'}")
    yield server
    stop_server(server.process)


def test_liveness_answers(sqlite_server):
    response = httpx.get(f"{sqlite_server.url}/-/health/live/")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_readiness_answers_when_the_database_does(sqlite_server):
    response = httpx.get(f"{sqlite_server.url}/-/health/ready/")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_admin_login_page_renders_with_its_static_files(sqlite_server):
    page = httpx.get(f"{sqlite_server.url}/admin/login/")

    assert page.status_code == 200
    assert 'name="username"' in page.text
    stylesheets = re.findall(r'href="(/static/[^"]+\.css)"', page.text)
    assert stylesheets
    for href in stylesheets:
        css = httpx.get(f"{sqlite_server.url}{href}")
        assert css.status_code == 200, href
        assert css.headers["content-type"].startswith("text/css")


def test_bootstrap_password_logs_into_the_admin(sqlite_server):
    with httpx.Client(base_url=sqlite_server.url) as browser:
        login = browser.get("/admin/login/")
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)

        response = browser.post(
            "/admin/login/?next=/admin/",
            data={
                "csrfmiddlewaretoken": csrf.group(1),
                "username": "akadmin",
                "password": sqlite_server.password,
                "next": "/admin/",
            },
        )
        index = browser.get("/admin/")

    assert (response.status_code, response.headers["location"]) == (302, "/admin/")
    assert index.status_code == 200
    assert "/admin/outposts/outpost/" in index.text


def test_bootstrap_token_reads_the_api(sqlite_server):
    with sqlite_server.client() as client:
        response = client.get("/api/v3/outposts/instances/")

    assert response.status_code == 200
    assert [row["name"] for row in response.json()["results"]] == [
        "authentik Embedded Outpost"
    ]


def test_bootstrap_token_changes_an_outpost(sqlite_server):
    with sqlite_server.client() as client:
        embedded = client.get("/api/v3/outposts/instances/").json()["results"][0]
        url = f"/api/v3/outposts/instances/{embedded['pk']}/"
        config = {**embedded["config"], "log_level": "trace"}

        patched = client.patch(url, json={"config": config})
        read = client.get(url)
        missing = client.patch(
            "/api/v3/outposts/instances/00000000-0000-4000-8000-000000000000/",
            json={"config": config},
        )

    assert patched.status_code == 200, patched.text
    assert patched.json()["config"]["log_level"] == "trace"
    assert read.json()["config"]["log_level"] == "trace"
    assert (missing.status_code, missing.json()) == (
        404,
        {"detail": "No Outpost matches the given query.", "code": "not_found"},
    )


def missing_database_url() -> str:
    parts = urlsplit(postgres_url() or LOCAL_POSTGRES)
    return urlunsplit(parts._replace(path="/outposts_database_that_does_not_exist"))


def closed_port_url() -> str:
    return f"postgres://postgres@127.0.0.1:{free_port()}/outposts"


@pytest.mark.parametrize(
    "database_url",
    [missing_database_url, closed_port_url],
    ids=["missing_database", "nothing_listening"],
)
def test_readiness_is_503_with_a_reason_when_the_database_is_unusable(
    tmp_path, database_url
):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "OUTPOSTS_DATA_DIR": str(tmp_path / "data"),
        "OUTPOSTS_LISTEN": f"127.0.0.1:{port}",
        "OUTPOSTS_WORKERS": "1",
    }
    log_path = tmp_path / "server.log"
    # Not started with tests.live.start_server: that waits for readiness,
    # which this server never reaches.
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "serve"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_live(process, base, log_path)

        response = httpx.get(f"{base}/-/health/ready/")
        live = httpx.get(f"{base}/-/health/live/")
    finally:
        stop_server(process)

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "reason": "database: OperationalError",
    }
    assert live.status_code == 200


def wait_until_live(process: subprocess.Popen, base: str, log_path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited:\n{log_path.read_text()}")
        try:
            if httpx.get(f"{base}/-/health/live/").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"server did not answer:\n{log_path.read_text()}")
