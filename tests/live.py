"""A real server, started the way `make run` starts it, on its own database.

The server gets a fresh PostgreSQL database (or SQLite file), is migrated and
bootstrapped by the same management commands as `make run`, and serves on a
free port. Tests reach it over HTTP only; `LiveServer.shell` runs ORM code in
a separate process against the same database, for set-up that has no API.
"""

import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def fresh_postgres_database(base_url: str, name: str) -> str:
    """Create (or re-create) database `name` beside the one in `base_url`."""
    parts = urlsplit(base_url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


@dataclass
class LiveServer:
    url: str
    token: str
    password: str
    env: dict
    process: subprocess.Popen | None = None
    log_path: Path | None = None
    extra: dict = field(default_factory=dict)

    def manage(self, *args: str, input: str | None = None) -> str:
        """Run a management command against the server's database."""
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            input=input,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stderr}")
        return result.stdout

    def shell(self, code: str) -> str:
        """Run Python code with Django set up, against the server's database."""
        return self.manage("shell", "-c", code)

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token or self.token}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)


def start_server(env: dict, port: int, log_path: Path) -> subprocess.Popen:
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "serve"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited:\n{log_path.read_text()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/-/health/ready/").status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"server did not become ready:\n{log_path.read_text()}")


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def launch(tmp_path: Path, database_url: str, **extra_env: str) -> LiveServer:
    """Migrate, bootstrap and serve like `make run`; return the running server."""
    port = free_port()
    token = secrets.token_urlsafe(32)
    password = secrets.token_urlsafe(16)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "OUTPOSTS_DATA_DIR": str(tmp_path / "data"),
        "OUTPOSTS_LISTEN": f"127.0.0.1:{port}",
        "OUTPOSTS_BOOTSTRAP_TOKEN": token,
        "OUTPOSTS_BOOTSTRAP_PASSWORD": password,
        **extra_env,
    }
    server = LiveServer(f"http://127.0.0.1:{port}", token, password, env)
    server.manage("migrate", "--noinput")
    server.manage("bootstrap")
    server.log_path = tmp_path / "server.log"
    server.process = start_server(env, port, server.log_path)
    return server


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    """The production server on a fresh database of its own, for the session.

    (Not named `live_server`: pytest-django owns that name for its in-process
    test server.)

    PostgreSQL when the suite runs on it, otherwise a SQLite file.
    """
    tmp_path = tmp_path_factory.mktemp("live")
    base = postgres_url()
    if base is not None:
        database = fresh_postgres_database(base, f"{urlsplit(base).path[1:]}_live")
    else:
        database = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    server = launch(tmp_path, database, OUTPOSTS_WORKERS="1")
    yield server
    stop_server(server.process)
