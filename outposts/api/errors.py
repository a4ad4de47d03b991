"""Error bodies in authentik's shape, with a machine-readable `code`."""

import structlog
from django.db import InterfaceError, OperationalError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

LOGGER = structlog.get_logger(__name__)


def _sqlstate(exc: Exception) -> str:
    return getattr(exc.__cause__, "sqlstate", None) or ""


def exception_handler(exc, context):
    """Turn exceptions into `ValidationError` or `GenericError` bodies.

    Validation errors keep DRF's per-field lists and gain `"code": "invalid"`;
    every other error is `{"detail", "code"}`. A database that does not answer
    is a 503, not a server error.
    """
    if isinstance(exc, OperationalError) and _sqlstate(exc).startswith("54"):
        # PostgreSQL's "program limit exceeded": a value too large for an
        # index or a row, which validation did not foresee. The request is at
        # fault, not the database.
        LOGGER.warning("value_too_large", reason=str(exc))
        return Response(
            {
                "non_field_errors": ["A value is too large to be stored."],
                "code": "invalid",
            },
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, OperationalError | InterfaceError):
        LOGGER.warning(
            "database_unavailable", error=exc.__class__.__name__, reason=str(exc)
        )
        return Response(
            {
                "detail": "The database is not available.",
                "code": "database_unavailable",
            },
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        body = response.data
        if not isinstance(body, dict):
            body = {"non_field_errors": body}
        response.data = {**body, "code": "invalid"}
        return response
    detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "not_found"
    response.data = {
        "detail": str(detail),
        "code": code if isinstance(code, str) else "error",
    }
    if isinstance(exc, exceptions.PermissionDenied):
        request = context.get("request")
        LOGGER.info(
            "permission_denied",
            path=getattr(request, "path", ""),
            client_ip=request.META.get("REMOTE_ADDR") if request else None,
            user=getattr(getattr(request, "user", None), "username", None),
        )
    return response
