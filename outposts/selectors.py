"""Read paths that the API serves often: the providers of a page of outposts.

A page of outposts may carry thousands of providers. They are read as plain
rows, two queries for any number of outposts, and shaped into the `Provider`
body directly, without building model instances.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any
from uuid import UUID

from django.db import connection
from django.db.models import F, Model, TextField
from django.db.models.functions import Cast

from outposts.models import (
    LDAPProvider,
    Outpost,
    Provider,
    ProxyProvider,
    RACProvider,
    RadiusProvider,
)

# In the order of Provider.kind_accessors.
PROVIDER_KINDS: tuple[type[Provider], ...] = (
    ProxyProvider,
    LDAPProvider,
    RadiusProvider,
    RACProvider,
)


@dataclass(frozen=True, slots=True)
class ProviderRow:
    pk: int
    kind: type[Provider]
    shape: dict[str, Any]


@cache
def kind_description(kind: type[Model]) -> dict[str, str]:
    """The fields every body uses to describe a concrete kind."""
    meta = kind._meta
    return {
        "component": kind.component,
        "verbose_name": str(meta.verbose_name),
        "verbose_name_plural": str(meta.verbose_name_plural),
        "meta_model_name": f"{meta.app_label}.{meta.model_name}",
    }


def provider_shape(
    *,
    pk: int,
    name: str,
    flows: tuple[UUID | None, UUID | None, UUID | None],
    property_mappings: list[UUID],
    kind: type[Provider],
    application: tuple[str, str] | None,
    backchannel: tuple[str, str] | None,
) -> dict[str, Any]:
    """The `Provider` body, in the order of the schema."""
    described = kind_description(kind)
    return {
        "pk": pk,
        "name": name,
        "authentication_flow": flows[0],
        "authorization_flow": flows[1],
        "invalidation_flow": flows[2],
        "property_mappings": property_mappings,
        "component": described["component"],
        "assigned_application_slug": application[0] if application else None,
        "assigned_application_name": application[1] if application else None,
        "assigned_backchannel_application_slug": backchannel[0]
        if backchannel
        else None,
        "assigned_backchannel_application_name": backchannel[1]
        if backchannel
        else None,
        "verbose_name": described["verbose_name"],
        "verbose_name_plural": described["verbose_name_plural"],
        "meta_model_name": described["meta_model_name"],
    }


PROVIDER_COLUMNS = (
    "outpost_id",
    "provider_id",
    "provider__name",
    "provider__authentication_flow_id",
    "provider__authorization_flow_id",
    "provider__invalidation_flow_id",
    *(f"provider__{accessor}__pk" for accessor in Provider.kind_accessors),
    "provider__application__slug",
    "provider__application__name",
    "provider__backchannel_application__slug",
    "provider__backchannel_application__name",
)
UUID_COLUMNS = frozenset(
    {
        "outpost_id",
        "provider__authentication_flow_id",
        "provider__authorization_flow_id",
        "provider__invalidation_flow_id",
    }
)


def _columns() -> list:
    """The provider columns; on PostgreSQL, UUIDs come back as their text form.

    Parsing thousands of UUIDs into objects only for the renderer to turn
    them back into text is most of the cost of reading a full page.
    """
    if connection.vendor != "postgresql":
        return [F(column) for column in PROVIDER_COLUMNS]
    return [
        Cast(column, TextField()) if column in UUID_COLUMNS else F(column)
        for column in PROVIDER_COLUMNS
    ]


def providers_by_outpost(outpost_ids: Iterable[UUID]) -> dict[str, list[ProviderRow]]:
    """The providers of each outpost (keyed by the outpost's id as text),
    ascending by id, in two queries."""
    through = Outpost.providers.through
    links = through.objects.filter(outpost_id__in=list(outpost_ids))
    columns = {f"c{index}": column for index, column in enumerate(_columns())}
    rows = list(links.order_by("provider_id").annotate(**columns).values_list(*columns))
    if not rows:
        return {}
    mappings = property_mappings_of(links.values("provider_id"))
    shaped: dict[int, ProviderRow] = {}
    result: dict[str, list[ProviderRow]] = defaultdict(list)
    for row in rows:
        provider = shaped.get(row[1])
        if provider is None:
            provider = shaped[row[1]] = _provider_row(row, mappings)
        result[str(row[0])].append(provider)
    return result


def property_mappings_of(provider_ids) -> dict[int, list[UUID]]:
    """Property mapping ids per provider, for ids given as a list or a subquery."""
    through = Provider.property_mappings.through
    mappings: dict[int, list[UUID]] = defaultdict(list)
    links = (
        through.objects.filter(provider_id__in=provider_ids)
        .order_by("propertymapping__name")
        .values_list("provider_id", "propertymapping_id")
    )
    for provider_id, mapping_id in links:
        mappings[provider_id].append(mapping_id)
    return mappings


_KIND_SLOTS = range(6, 6 + len(PROVIDER_KINDS))


def _provider_row(row: tuple, mappings: dict[int, list[UUID]]) -> ProviderRow:
    kind = Provider
    for slot, model in zip(_KIND_SLOTS, PROVIDER_KINDS, strict=True):
        if row[slot] is not None:
            kind = model
            break
    described = kind_description(kind)
    app_slug, app_name, back_slug, back_name = row[6 + len(PROVIDER_KINDS) :]
    shape = {
        "pk": row[1],
        "name": row[2],
        "authentication_flow": row[3],
        "authorization_flow": row[4],
        "invalidation_flow": row[5],
        "property_mappings": mappings.get(row[1], []),
        "component": described["component"],
        "assigned_application_slug": app_slug,
        "assigned_application_name": app_name,
        "assigned_backchannel_application_slug": back_slug,
        "assigned_backchannel_application_name": back_name,
        "verbose_name": described["verbose_name"],
        "verbose_name_plural": described["verbose_name_plural"],
        "meta_model_name": described["meta_model_name"],
    }
    return ProviderRow(pk=row[1], kind=kind, shape=shape)
