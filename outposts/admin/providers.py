"""Admin pages for the four provider kinds that outposts serve.

There is no page for the base `Provider`: a provider always has a kind.
Providers are created and edited here; the API only lists and deletes them.
"""

from django.contrib import admin
from django.contrib.admin.widgets import AdminTextInputWidget
from django.db import models, transaction

from outposts.models import (
    LDAPProvider,
    Provider,
    ProxyProvider,
    RACProvider,
    RadiusProvider,
)
from outposts.services.providers import provider_delete

COMMON_FIELDS = [
    "name",
    "authentication_flow",
    "authorization_flow",
    "invalidation_flow",
    "property_mappings",
    "backchannel_application",
    "is_backchannel",
]


class ProviderKindAdmin(admin.ModelAdmin):
    """What every provider kind's page shares; each kind adds its own fields."""

    kind_fields: list[str] = []
    list_display = ["name", "application", "authorization_flow", "outpost_count"]
    list_select_related = ["application", "authorization_flow"]
    search_fields = ["name", "application__name"]
    filter_horizontal = ["property_mappings"]
    formfield_overrides = {models.TextField: {"widget": AdminTextInputWidget}}

    @admin.display(description="Outposts", ordering="outpost_count")
    def outpost_count(self, obj: Provider) -> int:
        return obj.outpost_count

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(outpost_count=models.Count("outposts", distinct=True))
        )

    def get_fields(self, request, obj=None):
        return [*COMMON_FIELDS, *self.kind_fields]

    # Saving needs nothing beyond the model: the outposts carrying a changed
    # provider are notified by the signal handlers of outposts.triggers.
    # Deleting goes through the service, which records the removal on each
    # outpost that carried the provider.
    def delete_model(self, request, obj: Provider) -> None:
        provider_delete(obj, request=request)

    def delete_queryset(self, request, queryset) -> None:
        pks = list(queryset.values_list("pk", flat=True))
        with transaction.atomic():
            for provider in self.model.objects.filter(pk__in=pks).order_by("pk"):
                provider_delete(provider, request=request)


@admin.register(ProxyProvider)
class ProxyProviderAdmin(ProviderKindAdmin):
    kind_fields = ["external_host", "internal_host"]
    list_display = [*ProviderKindAdmin.list_display, "external_host"]


@admin.register(LDAPProvider)
class LDAPProviderAdmin(ProviderKindAdmin):
    kind_fields = ["base_dn"]
    list_display = [*ProviderKindAdmin.list_display, "base_dn"]


@admin.register(RadiusProvider)
class RadiusProviderAdmin(ProviderKindAdmin):
    kind_fields = ["client_networks", "shared_secret"]
    list_display = [*ProviderKindAdmin.list_display, "client_networks"]


@admin.register(RACProvider)
class RACProviderAdmin(ProviderKindAdmin):
    kind_fields = ["connection_expiry"]
    list_display = [*ProviderKindAdmin.list_display, "connection_expiry"]
