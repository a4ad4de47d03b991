"""Running Django's WSGI handler under the ASGI server, one hand-off each way.

The event loop reads the whole request body (its size is already bounded by
`BodySizeLimitMiddleware`), a thread of a fixed pool runs the WSGI handler
and collects the whole response, and the loop sends it. A general-purpose
bridge instead lets the thread pull the body and push each part of the
response through the loop, a cross-thread wait for every step; for an API
whose requests and responses are small, those waits cost more than the
request itself. On PostgreSQL the threads take their database connections
from a pool per process.
"""

import asyncio
import io
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

from a2wsgi.wsgi import build_environ

Response = tuple[int, list[tuple[bytes, bytes]], bytes]


def _run(application: Callable, environ: dict) -> Response:
    started: list = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info=None):
        if exc_info is not None and started:
            raise exc_info[1].with_traceback(exc_info[2])
        started[:] = [status, headers]
        return sys.stdout.write  # the legacy write() callable; unused by Django

    result: Iterable[bytes] = application(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    status, headers = started
    encoded = [
        (name.lower().encode("latin-1"), value.encode("latin-1"))
        for name, value in headers
    ]
    return int(status[:3]), encoded, body


class WSGIBridge:
    """An ASGI application serving HTTP with a WSGI application."""

    def __init__(self, application: Callable, threads: int) -> None:
        self.application = application
        self.executor = ThreadPoolExecutor(threads, thread_name_prefix="http")

    async def __call__(self, scope, receive, send) -> None:
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before the body was complete
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        environ = build_environ(scope, io.BytesIO(b"".join(chunks)))
        loop = asyncio.get_running_loop()
        status, headers, body = await loop.run_in_executor(
            self.executor, _run, self.application, environ
        )
        start = {"type": "http.response.start", "status": status, "headers": headers}
        await send(start)
        await send({"type": "http.response.body", "body": body})
