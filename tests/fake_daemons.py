"""Real HTTP endpoints that answer like a Docker daemon or a Kubernetes API
server, on a unix socket or a local port, with TLS when asked; and endpoints
that accept connections and never answer, or answer too slowly."""

import json
import socket
import socketserver
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DOCKER_VERSION = {
    "Platform": {"Name": "Docker Engine - Community"},
    "Version": "27.0.1",
    "ApiVersion": "1.46",
    "Os": "linux",
    "Arch": "amd64",
}
KUBERNETES_VERSION = {
    "major": "1",
    "minor": "30",
    "gitVersion": "v1.30.2",
    "platform": "linux/amd64",
}


@dataclass
class Seen:
    """What one request to a fake endpoint carried."""

    path: str
    authorization: str | None
    client_cert: bool


@dataclass
class FakeEndpoint:
    url: str
    requests: list[Seen] = field(default_factory=list)
    stop: object = None
    accepted: list[socket.socket] = field(default_factory=list)


def _handler(body: dict, status: int, seen: list[Seen]):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            peer_cert = None
            if isinstance(self.connection, ssl.SSLSocket):
                peer_cert = self.connection.getpeercert()
            seen.append(
                Seen(self.path, self.headers.get("Authorization"), bool(peer_cert))
            )
            payload = json.dumps(body).encode()
            found = self.path == "/version"
            self.send_response(status if found else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format, *args) -> None:
            pass

        def address_string(self) -> str:
            return "local"

    return Handler


class _UnixHTTPServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def _serve(server) -> object:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return stop


def http_endpoint(
    body: dict, *, status: int = 200, unix: Path | None = None, tls=None
) -> FakeEndpoint:
    """An HTTP server answering GET /version with `body`.

    On a unix socket at `unix`, or on a free local port (HTTPS when `tls` is
    a server-side SSL context).
    """
    seen: list[Seen] = []
    handler = _handler(body, status, seen)
    if unix is not None:
        server = _UnixHTTPServer(str(unix), handler)
        url = f"unix://{unix}"
    else:
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        scheme = "http"
        if tls is not None:
            server.socket = tls.wrap_socket(server.socket, server_side=True)
            scheme = "https"
        url = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    return FakeEndpoint(url=url, requests=seen, stop=_serve(server))


def stalling_endpoint(*, unix: Path | None = None, trickle: bool = False):
    """A server that accepts connections and never finishes an answer.

    With `trickle`, it sends a status line and then one header byte every
    half second, so that no single read ever times out.
    """
    family = socket.AF_UNIX if unix is not None else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.bind(str(unix) if unix is not None else ("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []
    closing = threading.Event()

    def hold(conn: socket.socket) -> None:
        if not trickle:
            return
        try:
            conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
            while not closing.wait(0.5):
                conn.sendall(b"a")
        except OSError:
            pass

    def accept_forever() -> None:
        while not closing.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            accepted.append(conn)
            threading.Thread(target=hold, args=(conn,), daemon=True).start()

    threading.Thread(target=accept_forever, daemon=True).start()

    def stop() -> None:
        closing.set()
        listener.close()
        for conn in accepted:
            conn.close()

    if unix is not None:
        url = f"unix://{unix}"
    else:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    return FakeEndpoint(url=url, stop=stop, accepted=accepted)


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Certificates:
    """A throwaway CA, a server certificate for 127.0.0.1 and a client one."""

    directory: Path

    def path(self, name: str) -> Path:
        return self.directory / name

    def text(self, name: str) -> str:
        return self.path(name).read_text()

    def server_context(self, require_client: bool = False) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.path("server.crt"), self.path("server.key"))
        if require_client:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(self.path("ca.crt"))
        return context


def _openssl(directory: Path, *args: str) -> None:
    subprocess.run(
        ["openssl", *args], cwd=directory, check=True, capture_output=True, timeout=60
    )


def make_certificates(directory: Path) -> Certificates:
    _openssl(
        directory,
        *("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
        *("-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=test-ca"),
    )
    for name, extension in (
        ("server", "subjectAltName=IP:127.0.0.1"),
        ("client", "extendedKeyUsage=clientAuth"),
    ):
        _openssl(
            directory,
            *("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key"),
            *("-out", f"{name}.csr", "-subj", f"/CN={name}"),
        )
        (directory / f"{name}.ext").write_text(extension + "\n")
        _openssl(
            directory,
            *("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt"),
            *("-CAkey", "ca.key", "-CAcreateserial", "-days", "2"),
            *("-out", f"{name}.crt", "-extfile", f"{name}.ext"),
        )
    return Certificates(directory)


def elapsed(action) -> tuple[object, float]:
    started = time.monotonic()
    result = action()
    return result, time.monotonic() - started
