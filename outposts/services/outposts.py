"""Writes to outposts and everything that goes with them.

Each function runs inside the caller's transaction (the API and the admin
both wrap a request in one), so the row, its providers, its service account
and its audit event are committed together or not at all.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from guardian.models import UserObjectPermission

from outposts.models import (
    EMBEDDED_OUTPOST_MANAGED,
    EMBEDDED_OUTPOST_NAME,
    EventAction,
    Outpost,
    OutpostType,
    Provider,
)
from outposts.rows import joined_writes, row_update
from outposts.services.events import event_record
from outposts.services.notify import outposts_notify
from outposts.services.object_permissions import object_permissions_delete
from outposts.services.tokens import token_issue, user_ensure

TRACKED_FIELDS = ("name", "type", "service_connection", "config", "managed")


def outpost_snapshot(outpost: Outpost, provider_ids: set[int]) -> dict[str, Any]:
    """The audited state of an outpost, as plain JSON values."""
    sc = outpost.service_connection_id
    return {
        "name": outpost.name,
        "type": outpost.type,
        "service_connection": str(sc) if sc else None,
        "config": outpost.config,
        "managed": outpost.managed,
        "providers": set(provider_ids),
    }


def outpost_diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Changed fields with previous and new values; providers as add/remove."""
    diff: dict[str, Any] = {}
    for field in TRACKED_FIELDS:
        if before[field] != after[field]:
            diff[field] = {"previous_value": before[field], "new_value": after[field]}
    added = sorted(after["providers"] - before["providers"])
    removed = sorted(before["providers"] - after["providers"])
    if added or removed:
        diff["providers"] = {"add": added, "remove": removed}
    return diff


def _view_permissions() -> tuple[Permission, Permission]:
    outpost_ct = ContentType.objects.get_for_model(Outpost)
    provider_ct = ContentType.objects.get_for_model(Provider)
    perms = Permission.objects.filter(
        content_type__in=[outpost_ct, provider_ct],
        codename__in=["view_outpost", "view_provider"],
    )
    by_codename = {perm.codename: perm for perm in perms}
    return by_codename["view_outpost"], by_codename["view_provider"]


def service_account_sync(outpost: Outpost, provider_ids: set[int]) -> None:
    """Give the outpost's service account view access to it and its providers only."""
    user = user_ensure(outpost.service_account_username)
    view_outpost, view_provider = _view_permissions()
    granted = UserObjectPermission.objects.filter(user=user)
    wanted = {
        (view_outpost.pk, str(outpost.pk)),
        *((view_provider.pk, str(pk)) for pk in provider_ids),
    }
    existing = {
        (row.permission_id, row.object_pk): row.pk
        for row in granted.only("pk", "permission_id", "object_pk")
    }
    stale = [pk for key, pk in existing.items() if key not in wanted]
    if stale:
        UserObjectPermission.objects.filter(pk__in=stale).delete()
    content_types = {
        view_outpost.pk: view_outpost.content_type_id,
        view_provider.pk: view_provider.content_type_id,
    }
    missing = [
        UserObjectPermission(
            user=user,
            permission_id=perm_id,
            content_type_id=content_types[perm_id],
            object_pk=object_pk,
        )
        for perm_id, object_pk in wanted - existing.keys()
    ]
    if missing:
        UserObjectPermission.objects.bulk_create(missing)


def outpost_create(
    *,
    name: str,
    type: str = OutpostType.PROXY,
    providers: list[int] | None = None,
    service_connection=None,
    config: dict | None = None,
    managed: str | None = None,
    request=None,
    user=None,
) -> Outpost:
    """Create an outpost with its service account, token and audit event."""
    provider_ids = set(providers or [])
    with transaction.atomic(savepoint=False):
        outpost = Outpost.objects.create(
            name=name,
            type=type,
            service_connection=service_connection,
            config=config if config is not None else {},
            managed=managed,
        )
        if provider_ids:
            outpost.providers.set(provider_ids)
        outpost_token_rotate(outpost)
        service_account_sync(outpost, provider_ids)
        event_record(EventAction.MODEL_CREATED, outpost, request=request, user=user)
    return outpost


def outpost_token_rotate(outpost: Outpost) -> str:
    """Give the outpost's service account a new API token key and return it."""
    account = user_ensure(outpost.service_account_username)
    _, key = token_issue(
        user=account,
        identifier=outpost.token_identifier,
        description=f"Autogenerated by authentik for Outpost {outpost.name}",
        managed=f"goauthentik.io/outpost/{outpost.token_identifier}",
    )
    return key


def outpost_update(
    outpost: Outpost,
    *,
    changes: dict[str, Any],
    request=None,
    user=None,
) -> dict[str, Any]:
    """Apply `changes` (model fields and `providers` as ids); return the diff.

    The caller holds the row lock and has validated the changes. A write that
    changes nothing writes nothing: no UPDATE, no event, no notification.
    """
    new_providers = changes.pop("providers", None)
    before_providers = changes.pop("_current_providers", None)
    if new_providers is None:
        # The providers stay as they are, whatever they are.
        before_providers = set()
    elif before_providers is None:
        before_providers = set(outpost.providers.values_list("pk", flat=True))
    before = outpost_snapshot(outpost, before_providers)

    for field, value in changes.items():
        setattr(outpost, field, value)
    after_providers = before_providers if new_providers is None else set(new_providers)
    after = outpost_snapshot(outpost, after_providers)
    diff = outpost_diff(before, after)
    if not diff:
        return diff

    with transaction.atomic(savepoint=False), joined_writes():
        fields = [f for f in TRACKED_FIELDS if f in diff]
        if fields:
            # A plain UPDATE: it does not wait for its row count, so in a
            # pipeline it travels with the audit event, and with the event it
            # is one statement.
            row_update(outpost, fields)
        if "providers" in diff:
            through = Outpost.providers.through
            removed = diff["providers"]["remove"]
            if removed:
                through.objects.filter(
                    outpost=outpost, provider_id__in=removed
                ).delete()
            through.objects.bulk_create(
                [
                    through(outpost_id=outpost.pk, provider_id=pk)
                    for pk in diff["providers"]["add"]
                ]
            )
            service_account_sync(outpost, after_providers)
        event_record(
            EventAction.MODEL_UPDATED, outpost, request=request, user=user, diff=diff
        )
        outposts_notify([outpost.pk])
    return diff


def outpost_delete(outpost: Outpost, *, request=None, user=None) -> None:
    """Delete an outpost with its service account and token."""
    with transaction.atomic(savepoint=False):
        event_record(EventAction.MODEL_DELETED, outpost, request=request, user=user)
        get_user_model().objects.filter(
            username=outpost.service_account_username
        ).delete()
        outposts_notify([outpost.pk])
        object_permissions_delete(outpost)
        outpost.delete()


def embedded_outpost_ensure() -> Outpost:
    """Make sure the embedded outpost exists, and its service account with it."""
    with transaction.atomic():
        outpost = Outpost.objects.filter(managed=EMBEDDED_OUTPOST_MANAGED).first()
        if outpost is not None:
            return outpost
        # A stray outpost with the reserved name is adopted, not duplicated.
        stray = Outpost.objects.filter(name=EMBEDDED_OUTPOST_NAME).first()
        if stray is not None:
            outpost_update(stray, changes={"managed": EMBEDDED_OUTPOST_MANAGED})
            return stray
        return outpost_create(
            name=EMBEDDED_OUTPOST_NAME,
            type=OutpostType.PROXY,
            managed=EMBEDDED_OUTPOST_MANAGED,
        )
