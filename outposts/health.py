"""Liveness and readiness probes for process supervisors and load balancers."""

from django.db import connection
from django.db.utils import DatabaseError
from django.http import JsonResponse


def live(request):
    return JsonResponse({"status": "ok"})


def ready(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        connection.close_if_unusable_or_obsolete()
        return JsonResponse(
            {"status": "unavailable", "reason": f"database: {exc.__class__.__name__}"},
            status=503,
        )
    return JsonResponse({"status": "ok"})
