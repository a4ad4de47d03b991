"""The error pages for what no API view answered, as JSON.

The API's own exception handler covers errors raised inside its views. This
one covers the rest: the admin, the session and authentication middleware,
anything outside DRF. A database that does not answer is a 503
`database_unavailable` there too; anything else is a plain 500 with no detail
of the failure (the traceback goes to the log, with the request id).
"""

import sys

import structlog
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.views.defaults import page_not_found

LOGGER = structlog.get_logger(__name__)


def server_error(request, *args, **kwargs) -> JsonResponse:
    """`handler500`: Django calls it while the uncaught exception is being handled."""
    exc = sys.exc_info()[1]
    if isinstance(exc, OperationalError | InterfaceError):
        LOGGER.warning(
            "database_unavailable", error=exc.__class__.__name__, path=request.path
        )
        return JsonResponse(
            {
                "detail": "The database is not available.",
                "code": "database_unavailable",
            },
            status=503,
        )
    return JsonResponse(
        {"detail": "A server error occurred.", "code": "error"}, status=500
    )


def not_found(request, exception=None):
    """`handler404`: a path no route matches is JSON under the API, HTML elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
    return page_not_found(request, exception)
