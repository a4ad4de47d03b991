"""One structured log line per request, tied together by a request id.

The id comes from the client's or proxy's `X-Request-ID` when it is a sane
token, or is generated; it is echoed in the response's `X-Request-ID`, kept on
`request.request_id` (the audit log records it) and bound to the logging
context, so every line logged while the request runs carries it.
"""

import re
import time
import uuid

import structlog
from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.utils.functional import SimpleLazyObject, empty

LOGGER = structlog.get_logger("outposts.http.requests")

# A client-supplied id is logged and echoed, so it must not carry anything a
# log reader or a header could misread.
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def request_id_for(request) -> str:
    supplied = request.META.get("HTTP_X_REQUEST_ID", "")
    if supplied and REQUEST_ID.fullmatch(supplied):
        return supplied
    return uuid.uuid4().hex


def username_of(request) -> str | None:
    """The authenticated user's name, if the request already looked it up.

    A session user nobody asked for stays unloaded: logging it would cost the
    queries the request itself did without.
    """
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        user = user._wrapped
        if user is empty:
            return None
    if user is None or not user.is_authenticated:
        return None
    return user.get_username()


class RequestLogMiddleware:
    """Assign the request id, then log the finished request.

    Runs natively in both sync and async mode, so it adds no thread switch to
    the middleware chain.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self._acall(request)
        started = self._begin(request)
        response = self.get_response(request)
        self._end(request, response, started)
        return response

    async def _acall(self, request):
        started = self._begin(request)
        response = await self.get_response(request)
        self._end(request, response, started)
        return response

    def _begin(self, request) -> float:
        request.request_id = request_id_for(request)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request.request_id)
        return time.perf_counter()

    def _end(self, request, response, started: float) -> None:
        response["X-Request-ID"] = request.request_id
        status = response.status_code
        log = LOGGER.error if status >= 500 else LOGGER.info
        log(
            "request",
            method=request.method,
            path=request.path,
            status=status,
            duration_ms=round((time.perf_counter() - started) * 1000, 2),
            user=username_of(request),
            client_ip=request.META.get("REMOTE_ADDR"),
        )
        structlog.contextvars.unbind_contextvars("request_id")
