"""Admin pages for the Docker and Kubernetes service connections.

There is no page for the base connection: a connection always has a kind.
Changes and deletions go through the services, so the outposts deployed
through a connection are told to refetch and, on deletion, record that they
lost it.
"""

from django.contrib import admin
from django.contrib.admin.widgets import AdminTextInputWidget
from django.db import models, transaction

from outposts.admin.fields import StrictJSONField
from outposts.models import (
    DockerServiceConnection,
    KubernetesServiceConnection,
    OutpostServiceConnection,
)
from outposts.services.service_connections import (
    service_connection_delete,
    service_connection_update,
)


class ServiceConnectionKindAdmin(admin.ModelAdmin):
    """What both connection kinds' pages share."""

    search_fields = ["name"]
    list_filter = ["local"]
    formfield_overrides = {models.TextField: {"widget": AdminTextInputWidget}}

    @admin.display(description="Outposts", ordering="outpost_count")
    def outpost_count(self, obj: OutpostServiceConnection) -> int:
        return obj.outpost_count

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(outpost_count=models.Count("outposts", distinct=True))
        )

    def save_model(self, request, obj, form, change: bool) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            return
        # The form has already written the new values into `obj`; the service
        # compares against the stored row.
        current = self.model.objects.select_for_update().get(pk=obj.pk)
        changes = {
            field: form.cleaned_data[field]
            for field in form.cleaned_data
            if field in self.fields
        }
        service_connection_update(current, changes)

    def delete_model(self, request, obj) -> None:
        service_connection_delete(obj, request=request)

    def delete_queryset(self, request, queryset) -> None:
        pks = list(queryset.values_list("pk", flat=True))
        with transaction.atomic():
            for connection in self.model.objects.filter(pk__in=pks).order_by("pk"):
                service_connection_delete(connection, request=request)


@admin.register(DockerServiceConnection)
class DockerServiceConnectionAdmin(ServiceConnectionKindAdmin):
    fields = ["name", "local", "url", "tls_verification", "tls_authentication"]
    list_display = ["name", "url", "local", "outpost_count"]


@admin.register(KubernetesServiceConnection)
class KubernetesServiceConnectionAdmin(ServiceConnectionKindAdmin):
    fields = ["name", "local", "verify_ssl", "kubeconfig"]
    list_display = ["name", "local", "verify_ssl", "outpost_count"]
    formfield_overrides = {
        **ServiceConnectionKindAdmin.formfield_overrides,
        models.JSONField: {"form_class": StrictJSONField},
    }
