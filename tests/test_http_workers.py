"""The workers of one server share its connections: clients that connect at
the same moment are spread over them instead of piling onto one."""

import threading
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.reliability import own_server

pytestmark = pytest.mark.live

CLIENTS = 8


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with own_server(
        tmp_path_factory.mktemp("workers"),
        "workers",
        OUTPOSTS_WORKERS="2",
        REDIS_URL="redis://127.0.0.1:6379/10",
    ) as server:
        yield server


def workers_of(pid: int) -> list[int]:
    """The worker processes uvicorn started for the server `pid`."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [
        int(child)
        for child in children
        if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()
    ]


def established_on(port: int) -> dict[int, int]:
    """Socket inode -> 1 for each established connection to local `port`."""
    found = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == "01":  # ESTABLISHED
                found[int(fields[9])] = 1
    return found


def connections_of(pid: int, inodes: dict[int, int]) -> int:
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = fd.readlink().as_posix()
        except OSError:
            continue  # closed meanwhile
        if target.startswith("socket:[") and int(target[8:-1]) in inodes:
            count += 1
    return count


@pytest.mark.parametrize("round_", range(5))
def test_clients_connecting_at_once_are_spread_over_the_workers(server, round_):
    port = urlsplit(server.url).port
    clients = [server.client() for _ in range(CLIENTS)]
    barrier = threading.Barrier(CLIENTS)

    def connect(client: httpx.Client) -> None:
        barrier.wait()
        assert client.get("/-/health/live/").status_code == 200

    threads = [threading.Thread(target=connect, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    try:
        inodes = established_on(port)
        per_worker = [
            connections_of(pid, inodes) for pid in workers_of(server.process.pid)
        ]
    finally:
        for client in clients:
            client.close()

    assert sum(per_worker) == CLIENTS
    assert len(per_worker) == 2
    # An even share, give or take one.
    assert max(per_worker) - min(per_worker) <= 2, per_worker
