"""Refusing request bodies over `settings.MAX_REQUEST_BODY` before they are read.

The application reads a whole request body before any Django middleware runs,
so the limit is enforced one layer further out, around the ASGI application: a declared
`Content-Length` over the limit is answered at once, without reading a byte of
the body, and a chunked body is answered as soon as it grows past the limit.
The answer closes the connection, so the server reads nothing more from it.
"""

import time
import uuid

import orjson
import structlog
from django.conf import settings

LOGGER = structlog.get_logger("outposts.http.requests")


def _declared_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    for name, value in headers:
        if name == b"content-length":
            # The server already refused a malformed length with a 400.
            return int(value)
    return None


class BodySizeLimitMiddleware:
    """ASGI middleware answering 413 for bodies over the configured size."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit: int = settings.MAX_REQUEST_BODY
        declared = _declared_length(scope["headers"])
        if declared is not None:
            if declared > limit:
                return await self._refuse(scope, send, limit, time.monotonic())
            # The server delivers no more than the declared length, so a body
            # within it needs no counting.
            return await self.app(scope, receive, send)
        return await self._buffered(scope, receive, send, limit)

    async def _buffered(self, scope, receive, send, limit: int):
        """Read a body without a declared length up to the limit, then replay it.

        Such bodies (chunked uploads) are rare; reading them here keeps the
        limit independent of how the application below reads its input.
        """
        started = time.monotonic()
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # The client went away before the body was complete.
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > limit:
                return await self._refuse(scope, send, limit, started)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay_receive():
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {
                "type": "http.request",
                "body": b"".join(chunks),
                "more_body": False,
            }

        await self.app(scope, replay_receive, send)

    async def _refuse(self, scope, send, limit: int, started: float) -> None:
        request_id = uuid.uuid4().hex
        body = orjson.dumps(
            {
                "detail": f"Request body is larger than {limit} bytes.",
                "code": "request_too_large",
            }
        )
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                    (b"x-request-id", request_id.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
        client = scope.get("client")
        LOGGER.warning(
            "request",
            method=scope["method"],
            path=scope["path"],
            status=413,
            duration_ms=round((time.monotonic() - started) * 1000, 2),
            user=None,
            request_id=request_id,
            client_ip=client[0] if client else None,
        )
