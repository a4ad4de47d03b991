"""Which committed changes tell which outposts' agents to refetch.

Signal handlers for writes made anywhere (services, admin, shell, cascades):
an outpost's own row, its set of providers (from either side), one of its
providers or that provider's application, and its service connection. Each
handler only works out the outposts concerned; `outposts_notify` holds the
message until the transaction commits and sends each outpost one trigger per
commit, so the services' own notifications are not doubled.
"""

from collections.abc import Iterable

from django.db.models.signals import m2m_changed, post_save, pre_delete, pre_save

from outposts.models import (
    Application,
    DockerServiceConnection,
    KubernetesServiceConnection,
    LDAPProvider,
    Outpost,
    OutpostServiceConnection,
    Provider,
    ProxyProvider,
    RACProvider,
    RadiusProvider,
)
from outposts.services.notify import outposts_notify

# post_save and pre_delete name the concrete class saved, so every kind is
# listed; deleting a kind also deletes (and signals) its Provider row.
PROVIDER_MODELS = (Provider, ProxyProvider, LDAPProvider, RadiusProvider, RACProvider)
SERVICE_CONNECTION_MODELS = (
    OutpostServiceConnection,
    DockerServiceConnection,
    KubernetesServiceConnection,
)
OutpostProviders = Outpost.providers.through


def _outposts_carrying(provider_ids: Iterable[int], using: str) -> list:
    return list(
        OutpostProviders.objects.using(using)
        .filter(provider_id__in=list(provider_ids))
        .values_list("outpost_id", flat=True)
        .distinct()
    )


def outpost_saved(sender, instance, created, raw, using, **kwargs) -> None:
    # Nothing can be connected to an outpost that did not exist yet.
    if raw or created:
        return
    outposts_notify([instance.pk], using=using)


def outpost_deleting(sender, instance, using, **kwargs) -> None:
    outposts_notify([instance.pk], using=using)


def provider_saved(sender, instance, created, raw, using, **kwargs) -> None:
    if raw or created:
        return
    outposts_notify(_outposts_carrying([instance.pk], using), using=using)


def provider_deleting(sender, instance, using, **kwargs) -> None:
    # Collected now: once the provider is gone, so is the record of who used it.
    outposts_notify(_outposts_carrying([instance.pk], using), using=using)


def outpost_providers_changed(
    sender, instance, action, reverse, pk_set, using, **kwargs
) -> None:
    """`outpost.providers` or `provider.outposts` gained or lost links."""
    if action in ("post_add", "post_remove") and pk_set:
        outposts = pk_set if reverse else [instance.pk]
    elif action == "pre_clear":
        # Only before a clear is it known which outposts it will touch.
        outposts = (
            _outposts_carrying([instance.pk], using) if reverse else [instance.pk]
        )
    else:
        return
    outposts_notify(outposts, using=using)


def provider_mappings_changed(
    sender, instance, action, reverse, pk_set, using, **kwargs
) -> None:
    """A provider's property mappings changed (from either side)."""
    if action in ("post_add", "post_remove") and pk_set:
        providers = pk_set if reverse else [instance.pk]
    elif action == "pre_clear":
        if reverse:
            through = Provider.property_mappings.through.objects.using(using)
            providers = through.filter(propertymapping_id=instance.pk).values_list(
                "provider_id", flat=True
            )
        else:
            providers = [instance.pk]
    else:
        return
    outposts_notify(_outposts_carrying(providers, using), using=using)


def _application_providers(application: Application, using: str) -> list[int]:
    providers = list(
        application.backchannel_providers.using(using).values_list("pk", flat=True)
    )
    if application.provider_id is not None:
        providers.append(application.provider_id)
    return providers


def application_saving(sender, instance, raw, using, **kwargs) -> None:
    """The provider an application is leaving shows it no more."""
    if raw or instance.pk is None:
        return
    previous = (
        Application.objects.using(using)
        .filter(pk=instance.pk)
        .values_list("provider_id", flat=True)
        .first()
    )
    if previous is not None and previous != instance.provider_id:
        outposts_notify(_outposts_carrying([previous], using), using=using)


def application_saved(sender, instance, raw, using, **kwargs) -> None:
    if raw:
        return
    providers = _application_providers(instance, using)
    outposts_notify(_outposts_carrying(providers, using), using=using)


def application_deleting(sender, instance, using, **kwargs) -> None:
    providers = _application_providers(instance, using)
    outposts_notify(_outposts_carrying(providers, using), using=using)


def _outposts_using(connection_pk, using: str) -> list:
    return list(
        Outpost.objects.using(using)
        .filter(service_connection_id=connection_pk)
        .values_list("pk", flat=True)
    )


def service_connection_saved(sender, instance, created, raw, using, **kwargs) -> None:
    if raw or created:
        return
    outposts_notify(_outposts_using(instance.pk, using), using=using)


def service_connection_deleting(sender, instance, using, **kwargs) -> None:
    # Deleting sets the outposts' reference to null with a bulk UPDATE that
    # sends no signal of its own, so they are found here, beforehand.
    outposts_notify(_outposts_using(instance.pk, using), using=using)


def connect() -> None:
    """Connect every handler above; safe to call more than once."""
    uid = "outposts.triggers"
    post_save.connect(outpost_saved, sender=Outpost, dispatch_uid=f"{uid}.outpost")
    pre_delete.connect(outpost_deleting, sender=Outpost, dispatch_uid=f"{uid}.outpost")
    for model in PROVIDER_MODELS:
        name = f"{uid}.{model._meta.model_name}"
        post_save.connect(provider_saved, sender=model, dispatch_uid=name)
        pre_delete.connect(provider_deleting, sender=model, dispatch_uid=name)
    for model in SERVICE_CONNECTION_MODELS:
        name = f"{uid}.{model._meta.model_name}"
        post_save.connect(service_connection_saved, sender=model, dispatch_uid=name)
        pre_delete.connect(service_connection_deleting, sender=model, dispatch_uid=name)
    m2m_changed.connect(
        outpost_providers_changed,
        sender=OutpostProviders,
        dispatch_uid=f"{uid}.outpost_providers",
    )
    m2m_changed.connect(
        provider_mappings_changed,
        sender=Provider.property_mappings.through,
        dispatch_uid=f"{uid}.provider_mappings",
    )
    pre_save.connect(application_saving, sender=Application, dispatch_uid=f"{uid}.app")
    post_save.connect(application_saved, sender=Application, dispatch_uid=f"{uid}.app")
    pre_delete.connect(
        application_deleting, sender=Application, dispatch_uid=f"{uid}.app"
    )
