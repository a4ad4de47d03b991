"""What refers to an object, limited to what the caller may view."""

from collections.abc import Iterable

from django.db.models import Model

from outposts.api.permissions import visible
from outposts.models import Application, Outpost, OutpostServiceConnection, Provider


def _entry(obj: Model, action: str) -> dict:
    kind = obj.concrete() if hasattr(obj, "concrete") else obj
    meta = kind._meta
    return {
        "app": meta.app_label,
        "model_name": meta.model_name,
        "pk": str(obj.pk),
        "name": str(obj),
        "action": action,
    }


def _entries(user, objects, action: str) -> Iterable[dict]:
    return [_entry(obj, action) for obj in visible(user, objects)]


def outpost_used_by(user, outpost: Outpost) -> list[dict]:
    providers = outpost.providers.select_related(*Provider.kind_accessors).order_by(
        "pk"
    )
    return [*_entries(user, providers, "cascade_many")]


def service_connection_used_by(
    user, connection: OutpostServiceConnection
) -> list[dict]:
    return [*_entries(user, connection.outposts.order_by("name"), "set_null")]


def provider_used_by(user, provider: Provider) -> list[dict]:
    outposts = provider.outposts.order_by("name")
    applications = Application.objects.filter(provider=provider)
    return [
        *_entries(user, outposts, "cascade_many"),
        *_entries(user, applications, "set_null"),
    ]
