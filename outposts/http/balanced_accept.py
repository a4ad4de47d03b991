"""An event loop whose server shares new connections fairly between workers.

The workers of `manage.py serve` listen on one socket. An event loop's own
server accepts every connection waiting when the socket becomes readable,
so whichever worker wakes first takes a whole burst of them: eight clients
connecting at once end up six and two, or all eight, on one worker, which
then has one core for all of them while the other core idles. Here a worker
accepts one connection at a time and, after each, leaves the socket to the
others for a moment that grows with the connections it already has; the
least busy worker takes the next one. A connection is never refused, only
accepted a few milliseconds later when every worker is busy.
"""

import asyncio
import socket
from collections.abc import Callable

import structlog
import uvloop

LOGGER = structlog.get_logger(__name__)

# How long a worker leaves the socket to the others per connection it has
# open, and at most.
PAUSE_PER_CONNECTION = 0.001
PAUSE_LIMIT = 0.01


class SharedSocketServer:
    """Accepts connections from a socket other processes accept from too."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        sock: socket.socket,
        protocol_factory: Callable[[], asyncio.Protocol],
    ) -> None:
        self._loop = loop
        self._sock = sock
        self._protocol_factory = protocol_factory
        self._transports: set[asyncio.BaseTransport] = set()
        # Accepted, and not yet handed to a transport; the event loop holds
        # only weak references to the tasks doing that.
        self._starting = 0
        self._tasks: set[asyncio.Task] = set()
        self._serving = True
        self._resume: asyncio.TimerHandle | None = None
        sock.setblocking(False)
        loop.add_reader(sock.fileno(), self._accept)

    @property
    def sockets(self) -> tuple[socket.socket, ...]:
        return (self._sock,)

    def open_connections(self) -> int:
        self._transports = {t for t in self._transports if not t.is_closing()}
        return len(self._transports) + self._starting

    def _accept(self) -> None:
        try:
            conn, _ = self._sock.accept()
        except (BlockingIOError, InterruptedError):
            return  # another worker took it
        except OSError as exc:
            # Out of file descriptors and the like: try again shortly.
            LOGGER.warning("accept_failed", error=str(exc))
            self._pause(PAUSE_LIMIT)
            return
        conn.setblocking(False)
        if conn.family in (socket.AF_INET, socket.AF_INET6):
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._starting += 1
        task = self._loop.create_task(self._serve(conn))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        self._pause(min(PAUSE_LIMIT, PAUSE_PER_CONNECTION * self.open_connections()))

    async def _serve(self, conn: socket.socket) -> None:
        try:
            transport, _ = await self._loop.connect_accepted_socket(
                self._protocol_factory, conn
            )
        except OSError:
            conn.close()  # the client left before it was served
            return
        else:
            self._transports.add(transport)
        finally:
            self._starting -= 1

    def _pause(self, seconds: float) -> None:
        if seconds <= 0 or not self._serving:
            return
        self._loop.remove_reader(self._sock.fileno())
        self._resume = self._loop.call_later(seconds, self._listen)

    def _listen(self) -> None:
        self._resume = None
        if self._serving:
            self._loop.add_reader(self._sock.fileno(), self._accept)

    def is_serving(self) -> bool:
        return self._serving

    def close(self) -> None:
        if not self._serving:
            return
        self._serving = False
        if self._resume is not None:
            self._resume.cancel()
        else:
            self._loop.remove_reader(self._sock.fileno())

    async def wait_closed(self) -> None:
        return None


class SharedSocketLoop(uvloop.Loop):
    """uvloop, serving a socket handed over by the parent process with a
    `SharedSocketServer`."""

    async def create_server(
        self, protocol_factory, *args, sock=None, ssl=None, backlog=100, **kwargs
    ):
        if sock is None or ssl is not None or args or kwargs:
            return await super().create_server(
                protocol_factory, *args, sock=sock, ssl=ssl, backlog=backlog, **kwargs
            )
        # Bound by the parent; listening starts with the first server on it.
        sock.listen(backlog)
        return SharedSocketServer(self, sock, protocol_factory)
