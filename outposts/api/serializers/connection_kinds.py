"""What every concrete kind of service connection shows, and its live state."""

from typing import Any

from rest_framework import serializers

from outposts.api.serializers.common import (
    KindDescribedSerializer,
    text_length_check,
)
from outposts.api.serializers.service_connections import (
    ServiceConnectionSerializer,
)
from outposts.models import OutpostServiceConnection
from outposts.services.service_connections import service_connection_update


class ConnectionKindSerializer(KindDescribedSerializer):
    """Base of the Docker and Kubernetes connection shapes.

    Responses are built by hand from the concrete row: the declared read-only
    fields exist for the schema.
    """

    # Undescribed, as in authentik's Docker and Kubernetes components.
    component = serializers.CharField(read_only=True)

    def get_fields(self):
        fields = super().get_fields()
        fields["name"].validators.append(text_length_check)
        return fields

    def kind_representation(self, connection: OutpostServiceConnection) -> dict:
        return ServiceConnectionSerializer().to_representation(connection)

    def update(
        self, instance: OutpostServiceConnection, validated_data: dict[str, Any]
    ) -> OutpostServiceConnection:
        service_connection_update(instance, validated_data)
        return instance


class ServiceConnectionStateSerializer(serializers.Serializer):
    """Whether the connection's endpoint answered, and the version it reported."""

    healthy = serializers.BooleanField(read_only=True)
    version = serializers.CharField(read_only=True)
