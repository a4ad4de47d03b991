"""What every concrete kind of service connection shows, and its live state."""

from typing import Any

from rest_framework import serializers

from outposts.api.serializers.common import text_length_check
from outposts.models import OutpostServiceConnection
from outposts.services.service_connections import service_connection_update

KIND_FIELDS = [
    "pk",
    "name",
    "local",
    "component",
    "verbose_name",
    "verbose_name_plural",
    "meta_model_name",
]


class ConnectionKindSerializer(serializers.ModelSerializer):
    """Base of the Docker and Kubernetes connection shapes.

    Responses are built by hand from the concrete row: the declared read-only
    fields exist for the schema.
    """

    # Undescribed, as in authentik's Docker and Kubernetes components.
    component = serializers.CharField(read_only=True)
    verbose_name = serializers.CharField(
        read_only=True, help_text="Return object's verbose_name"
    )
    verbose_name_plural = serializers.CharField(
        read_only=True, help_text="Return object's plural verbose_name"
    )
    meta_model_name = serializers.CharField(
        read_only=True, help_text="Return internal model name"
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["name"].validators.append(text_length_check)
        return fields

    def kind_representation(self, connection: OutpostServiceConnection) -> dict:
        meta = type(connection)._meta
        return {
            "pk": connection.pk,
            "name": connection.name,
            "local": connection.local,
            "component": connection.component,
            "verbose_name": str(meta.verbose_name),
            "verbose_name_plural": str(meta.verbose_name_plural),
            "meta_model_name": f"{meta.app_label}.{meta.model_name}",
        }

    def update(
        self, instance: OutpostServiceConnection, validated_data: dict[str, Any]
    ) -> OutpostServiceConnection:
        service_connection_update(instance, validated_data)
        return instance


class ServiceConnectionStateSerializer(serializers.Serializer):
    """Whether the connection's endpoint answered, and the version it reported."""

    healthy = serializers.BooleanField(read_only=True)
    version = serializers.CharField(read_only=True)
