"""The `ServiceConnection` shape, shared by outposts and the connection lists."""

from rest_framework import serializers

from outposts.api.serializers.common import KindDescribedSerializer
from outposts.models import OutpostServiceConnection
from outposts.selectors import kind_description

# The fields every service connection shape starts with.
KIND_FIELDS = [
    "pk",
    "name",
    "local",
    "component",
    "verbose_name",
    "verbose_name_plural",
    "meta_model_name",
]


class ServiceConnectionSerializer(KindDescribedSerializer):
    """A service connection, described by its concrete kind."""

    component = serializers.CharField(
        read_only=True, help_text="Return component used to edit this object"
    )

    class Meta:
        model = OutpostServiceConnection
        fields = KIND_FIELDS

    def to_representation(self, connection: OutpostServiceConnection) -> dict:
        return {
            "pk": connection.pk,
            "name": connection.name,
            "local": connection.local,
            **kind_description(type(connection.concrete())),
        }
