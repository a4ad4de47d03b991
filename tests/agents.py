"""A stand-in for a deployed agent: a real websocket client on the live server,
and the set-up the agent-channel tests share."""

import itertools
import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.live import LiveServer

HELLO = {
    "version": "2026.8.5",
    "buildHash": "0123456789abcdef",
    "golangVersion": "go1.24.4",
    "opensslEnabled": True,
    "opensslVersion": "OpenSSL 3.5.0 8 Apr 2025",
    "fipsEnabled": False,
    "hostname": "agent-host",
}
ACK = {"instruction": 0, "args": {}}
TRIGGER_UPDATE = {"instruction": 2, "args": {}}

_names = itertools.count(1)


def ws_url(server: LiveServer, outpost: str, instance: str | None = "") -> str:
    base = server.url.replace("http://", "ws://", 1)
    url = f"{base}/ws/outpost/{outpost}/"
    if instance is not None:
        url += f"?instance_uuid={instance or secrets.token_hex(8)}"
    return url


def open_socket(url: str, key: str | None) -> ClientConnection:
    headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
    return connect(url, additional_headers=headers, open_timeout=10, legacy=True)


@dataclass
class Agent:
    """One connected agent instance."""

    uid: str
    socket: ClientConnection
    received: list = field(default_factory=list)

    def send(self, message) -> None:
        self.socket.send(message if isinstance(message, str) else json.dumps(message))

    def hello(self, **overrides) -> dict:
        self.send({"instruction": 1, "args": {**HELLO, **overrides}})
        return self.recv(timeout=5)

    def recv(self, timeout: float) -> dict:
        message = json.loads(self.socket.recv(timeout=timeout))
        self.received.append(message)
        return message

    def assert_silent(self, seconds: float) -> None:
        """Nothing arrives for `seconds`."""
        try:
            message = self.socket.recv(timeout=seconds)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected message {message!r}")

    def close(self) -> None:
        try:
            self.socket.close()
        except ConnectionClosed:
            pass


def connect_agent(server: LiveServer, outpost: str, key: str, uid: str = "") -> Agent:
    uid = uid or secrets.token_hex(8)
    return Agent(uid, open_socket(ws_url(server, outpost, uid), key))


def last_line(output: str) -> str:
    return output.strip().splitlines()[-1]


def make_outpost(server: LiveServer, kind: str = "proxy") -> tuple[str, int]:
    """Create a provider and an outpost carrying it; return their pks."""
    suffix = f"{next(_names)}-{secrets.token_hex(3)}"
    models = {"proxy": "ProxyProvider", "ldap": "LDAPProvider"}
    out = server.shell(
        f"from outposts.models import {models[kind]}\n"
        "from outposts.services.outposts import outpost_create\n"
        f"p = {models[kind]}.objects.create(name='provider-{suffix}')\n"
        f"o = outpost_create(name='outpost-{suffix}', type='{kind}', "
        "providers=[p.pk])\n"
        "print(o.pk, p.pk)\n"
    )
    outpost, provider = last_line(out).split()
    return outpost, int(provider)


def outpost_key(server: LiveServer, outpost: str) -> str:
    """Rotate the outpost's token and return the new key, as an operator would."""
    return last_line(server.manage("outpost_token", outpost))


def logged_events(log_path: Path, event: str) -> list[dict]:
    """The JSON log records of `event` the server wrote so far."""
    records = []
    for line in log_path.read_text().splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("event") == event:
            records.append(record)
    return records
