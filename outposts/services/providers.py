"""Deleting providers, and what it does to the outposts that serve them."""

from django.db import transaction

from outposts.models import EventAction, Outpost, Provider
from outposts.services.events import event_record
from outposts.services.notify import outposts_notify
from outposts.services.object_permissions import object_permissions_delete


def provider_delete(provider: Provider, *, request=None) -> None:
    """Delete a provider; the outposts serving it lose it.

    Each of those outposts gets an audit event for the removed provider and
    is notified once the deletion commits. The object permissions on the
    provider, including those of the outposts' service accounts, go with it.
    """
    pk = provider.pk
    with transaction.atomic():
        # Locking the outposts orders this after any write to them in flight.
        outposts = list(
            Outpost.objects.select_for_update().filter(providers=pk).order_by("pk")
        )
        for outpost in outposts:
            event_record(
                EventAction.MODEL_UPDATED,
                outpost,
                request=request,
                diff={"providers": {"add": [], "remove": [pk]}},
            )
        object_permissions_delete(provider.concrete())
        provider.delete()
        outposts_notify(outpost.pk for outpost in outposts)
