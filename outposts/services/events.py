"""The audit log: one Event per create, update or delete of an outpost."""

from typing import Any

from django.db import models

from outposts.models import Event, EventAction
from outposts.rows import row_insert


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def event_record(
    action: EventAction,
    instance: models.Model,
    *,
    request=None,
    user=None,
    diff: dict[str, Any] | None = None,
) -> Event:
    """Write one audit event for `instance` in the caller's transaction."""
    event = event_build(action, instance, request=request, user=user, diff=diff)
    row_insert(event)
    return event


def event_build(
    action: EventAction,
    instance: models.Model,
    *,
    request=None,
    user=None,
    diff: dict[str, Any] | None = None,
) -> Event:
    """The audit event for `instance`, not saved yet."""
    if user is None and request is not None:
        user = getattr(request, "user", None)
    context: dict[str, Any] = {
        "model": {
            "app": instance._meta.app_label,
            "model_name": instance._meta.model_name,
            "pk": str(instance.pk),
            "name": str(instance),
        },
    }
    if request is not None:
        context["http_request"] = {
            "path": request.path,
            "method": request.method,
            "user_agent": request.META.get("HTTP_USER_AGENT", ""),
            "request_id": getattr(request, "request_id", ""),
        }
    if diff:
        context["diff"] = diff
    actor = {}
    if user is not None and user.is_authenticated:
        actor = {"username": user.get_username(), "pk": user.pk}
    return Event(
        action=action, user=actor, client_ip=client_ip(request), context=context
    )
