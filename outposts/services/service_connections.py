"""Changes to service connections and what they do to the outposts using them."""

from typing import Any

from django.db import transaction

from outposts.models import EventAction, Outpost, OutpostServiceConnection
from outposts.services.connection_state import connection_state_forget
from outposts.services.events import event_record
from outposts.services.notify import outposts_notify
from outposts.services.object_permissions import object_permissions_delete


def _concrete(connection: OutpostServiceConnection) -> OutpostServiceConnection:
    # A row loaded through a kind's own queryset is already concrete; asking
    # it for its kind would query each kind's table.
    if type(connection) is OutpostServiceConnection:
        return connection.concrete()
    return connection


def service_connection_update(
    connection: OutpostServiceConnection, changes: dict[str, Any]
) -> bool:
    """Apply validated `changes`; return whether anything changed.

    The outposts deployed through the connection are told to refetch their
    configuration, and the cached state is dropped, once the change commits.
    """
    changed = [
        field for field, value in changes.items() if getattr(connection, field) != value
    ]
    if not changed:
        return False
    with transaction.atomic():
        for field in changed:
            setattr(connection, field, changes[field])
        connection.save(update_fields=changed)
        outposts_notify(connection.outposts.values_list("pk", flat=True))
        pk = connection.pk
        transaction.on_commit(lambda: connection_state_forget(pk))
    return True


def service_connection_delete(
    connection: OutpostServiceConnection, *, request=None
) -> None:
    """Delete a connection; the outposts using it are left without one.

    Each of those outposts gets an audit event for the change of its
    `service_connection` and is notified once the deletion commits.
    """
    pk = connection.pk
    with transaction.atomic():
        # Locking the outposts orders this after any write to them in flight.
        outposts = list(
            Outpost.objects.select_for_update()
            .filter(service_connection_id=pk)
            .order_by("pk")
        )
        for outpost in outposts:
            event_record(
                EventAction.MODEL_UPDATED,
                outpost,
                request=request,
                diff={
                    "service_connection": {
                        "previous_value": str(pk),
                        "new_value": None,
                    }
                },
            )
        object_permissions_delete(_concrete(connection))
        connection.delete()
        outposts_notify(outpost.pk for outpost in outposts)
        transaction.on_commit(lambda: connection_state_forget(pk))
