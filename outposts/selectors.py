"""Read paths that the API serves often: the providers of a page of outposts.

A page of outposts may carry thousands of providers. They are read as plain
rows, two queries for any number of outposts, and shaped into the `Provider`
body directly, without building model instances.
"""

from collections import defaultdict
from collections.abc import Iterable
from functools import cache
from typing import Any, NamedTuple
from uuid import UUID

from django.db import connection
from django.db.models import Model

from outposts.models import (
    Application,
    LDAPProvider,
    Outpost,
    PropertyMapping,
    Provider,
    ProxyProvider,
    RACProvider,
    RadiusProvider,
)
from outposts.rows import row_values

# In the order of Provider.kind_accessors.
PROVIDER_KINDS: tuple[type[Provider], ...] = (
    ProxyProvider,
    LDAPProvider,
    RadiusProvider,
    RACProvider,
)


class ProviderRow(NamedTuple):
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


def providers_by_outpost(outpost_ids: Iterable[UUID]) -> dict[str, list[ProviderRow]]:
    """The providers of each outpost, ascending by id, keyed by the outpost's id
    as text. One query on PostgreSQL, two elsewhere, for any number of outposts."""
    outpost_ids = list(outpost_ids)
    if not outpost_ids:
        return {}
    if connection.vendor == "postgresql":
        rows = _postgres_rows(outpost_ids)
    else:
        rows = _portable_rows(outpost_ids)
    return index_provider_rows(rows)


def index_provider_rows(rows: Iterable[tuple]) -> dict[str, list[ProviderRow]]:
    shaped: dict[int, ProviderRow] = {}
    result: dict[str, list[ProviderRow]] = defaultdict(list)
    for row in rows:
        provider = shaped.get(row[1])
        if provider is None:
            provider = shaped[row[1]] = _provider_row(row)
        result[row[0]].append(provider)
    return result


# A provider row, whichever way it was read: outpost id (text), provider id,
# name, the three flow ids, one "is this kind" flag per PROVIDER_KINDS, the
# application's slug and name, the backchannel application's slug and name,
# and the property mapping ids.
_KIND_SLOTS = range(6, 6 + len(PROVIDER_KINDS))
_APPLICATION_SLOTS = slice(_KIND_SLOTS.stop, _KIND_SLOTS.stop + 4)


def _provider_row(row: tuple) -> ProviderRow:
    kind = Provider
    for slot, model in zip(_KIND_SLOTS, PROVIDER_KINDS, strict=True):
        if row[slot]:
            kind = model
            break
    component, verbose_name, verbose_name_plural, model_name = _kind_values(kind)
    app_slug, app_name, back_slug, back_name = row[_APPLICATION_SLOTS]
    shape = {
        "pk": row[1],
        "name": row[2],
        "authentication_flow": row[3],
        "authorization_flow": row[4],
        "invalidation_flow": row[5],
        "property_mappings": row[-1],
        "component": component,
        "assigned_application_slug": app_slug,
        "assigned_application_name": app_name,
        "assigned_backchannel_application_slug": back_slug,
        "assigned_backchannel_application_name": back_name,
        "verbose_name": verbose_name,
        "verbose_name_plural": verbose_name_plural,
        "meta_model_name": model_name,
    }
    return ProviderRow(row[1], kind, shape)


@cache
def _kind_values(kind: type[Model]) -> tuple[str, str, str, str]:
    return tuple(kind_description(kind).values())


def _column(model: type[Model], field: str) -> str:
    return f'"{model._meta.get_field(field).column}"'


def _table(model: type[Model]) -> str:
    return f'"{model._meta.db_table}"'


@cache
def provider_rows_sql(single: bool = False) -> str:
    """The provider query for PostgreSQL, with table names from the models.

    `single` asks for one outpost by equality rather than a list: PostgreSQL
    then plans a few index lookups instead of scanning for a whole page.

    UUIDs come back as text and property mappings as an array: building UUID
    objects for thousands of values only for the renderer to turn them back
    into text was most of the cost of a full page.
    """
    links = Outpost.providers.through
    mapping_links = Provider.property_mappings.through
    # The kinds are tested with EXISTS rather than joined: each join more
    # multiplies the orders PostgreSQL weighs when it plans the statement,
    # and with four more it spent several times longer planning than running.
    kind_flags = ", ".join(
        f"EXISTS (SELECT 1 FROM {_table(kind)} k "
        f"WHERE k.{_column(kind, 'provider_ptr')} = p.{_column(Provider, 'id')})"
        for kind in PROVIDER_KINDS
    )
    flows = ", ".join(
        f"p.{_column(Provider, name)}::text"
        for name in ("authentication_flow", "authorization_flow", "invalidation_flow")
    )
    provider_id = f"p.{_column(Provider, 'id')}"
    slug, name = _column(Application, "slug"), _column(Application, "name")
    mapping_id = _column(mapping_links, "propertymapping")
    return f"""
SELECT o.{_column(links, "outpost")}::text, {provider_id},
    p.{_column(Provider, "name")}, {flows}, {kind_flags},
    a.{slug}, a.{name}, b.{slug}, b.{name},
    ARRAY(
        SELECT l.{mapping_id}::text
        FROM {_table(mapping_links)} l
        JOIN {_table(PropertyMapping)} m
            ON m.{_column(PropertyMapping, "pm_uuid")} = l.{mapping_id}
        WHERE l.{_column(mapping_links, "provider")} = {provider_id}
        ORDER BY m.{_column(PropertyMapping, "name")}
    )
FROM {_table(links)} o
JOIN {_table(Provider)} p ON {provider_id} = o.{_column(links, "provider")}
LEFT JOIN {_table(Application)} a
    ON a.{_column(Application, "provider")} = {provider_id}
LEFT JOIN {_table(Application)} b
    ON b.{_column(Application, "id")} = p.{_column(Provider, "backchannel_application")}
WHERE o.{_column(links, "outpost")} = {"%s" if single else "ANY(%s)"}
ORDER BY {provider_id}
"""


def _postgres_rows(outpost_ids: list[UUID]) -> list[tuple]:
    single = len(outpost_ids) == 1
    with connection.cursor() as cursor:
        cursor.execute(
            provider_rows_sql(single), [outpost_ids[0] if single else outpost_ids]
        )
        return cursor.fetchall()


PORTABLE_COLUMNS = (
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


def _portable_rows(outpost_ids: list[UUID]) -> list[tuple]:
    """The same rows through the ORM, for databases other than PostgreSQL."""
    links = Outpost.providers.through.objects.filter(outpost_id__in=outpost_ids)
    rows = links.order_by("provider_id").values_list(*PORTABLE_COLUMNS)
    mappings: dict[int, list[UUID]] = defaultdict(list)
    pairs = (
        Provider.property_mappings.through.objects.filter(
            provider_id__in=links.values("provider_id")
        )
        .order_by("propertymapping__name")
        .values_list("provider_id", "propertymapping_id")
    )
    for provider_id, mapping_id in pairs:
        mappings[provider_id].append(mapping_id)
    return [(str(row[0]), *row[1:], mappings.get(row[1], [])) for row in rows]


class OutpostRead(NamedTuple):
    outpost: Outpost
    # As `providers_by_outpost` gives them; None where they were not read.
    providers: dict[str, list[ProviderRow]] | None


@cache
def _outpost_for_update_sql(lock: bool) -> str:
    meta = Outpost._meta
    columns = ", ".join(f'"{field.column}"' for field in meta.concrete_fields)
    # SQLite has no row locks: a write transaction locks the whole database.
    return (
        f'SELECT {columns} FROM "{meta.db_table}" '
        f'WHERE "{meta.pk.column}" = %s{" FOR UPDATE" if lock else ""}'
    )


def outpost_for_update(pk: UUID, *, with_providers: bool = False) -> OutpostRead | None:
    """The outpost `pk`, its row locked until the transaction ends, and with
    `with_providers` its providers.

    The statement is written once rather than compiled by the ORM for every
    write: the lock is held from here to the commit, and time spent building
    queries in that window is time every other writer of the row waits.
    """
    key = Outpost._meta.pk.get_db_prep_value(pk, connection)
    providers = None
    with connection.cursor() as cursor:
        cursor.execute(
            _outpost_for_update_sql(connection.features.has_select_for_update), [key]
        )
        if with_providers and connection.vendor == "postgresql":
            # Sent before the row is fetched: in a pipeline, one round trip.
            with connection.cursor() as provider_cursor:
                provider_cursor.execute(provider_rows_sql(single=True), [key])
                row = cursor.fetchone()
                providers = index_provider_rows(provider_cursor.fetchall())
        else:
            row = cursor.fetchone()
    if row is None:
        return None
    fields = Outpost._meta.concrete_fields
    outpost = Outpost.from_db(
        connection.alias,
        [field.attname for field in fields],
        row_values(fields, row, connection.alias),
    )
    if with_providers and providers is None:
        providers = providers_by_outpost([outpost.pk])
    return OutpostRead(outpost, providers)
