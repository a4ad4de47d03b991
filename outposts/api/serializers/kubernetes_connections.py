"""The `KubernetesServiceConnection` shape and its validation."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from outposts.api.serializers.connection_kinds import ConnectionKindSerializer
from outposts.api.serializers.service_connections import KIND_FIELDS
from outposts.config import contains_nul
from outposts.models import KubernetesServiceConnection
from outposts.services.kubeconfig import kubeconfig_target

EMPTY_NOT_LOCAL = (
    "You can only use an empty kubeconfig when connecting to a local cluster."
)
INVALID_KUBECONFIG = "Invalid kubeconfig"


@extend_schema_field({"type": "object", "additionalProperties": {}})
class KubeconfigField(serializers.JSONField):
    default_error_messages = {
        "not_a_dict": "Value must be a dictionary, and not have any duplicate keys.",
        "null_characters": "Null characters are not allowed.",
    }

    def to_internal_value(self, data) -> dict[str, Any]:
        if not isinstance(data, dict):
            self.fail("not_a_dict")
        if contains_nul(data):
            self.fail("null_characters")
        return data


class KubernetesServiceConnectionSerializer(ConnectionKindSerializer):
    """A Kubernetes cluster that outposts can be deployed to.

    `kubeconfig` may be empty only for a local connection, which uses the
    service account of the pod this server runs in; otherwise its current
    context must name a cluster and a user.
    """

    kubeconfig = KubeconfigField(
        required=False,
        help_text=KubernetesServiceConnection._meta.get_field("kubeconfig").help_text,
    )

    class Meta:
        model = KubernetesServiceConnection
        fields = [*KIND_FIELDS, "kubeconfig", "verify_ssl"]

    def to_representation(
        self, connection: KubernetesServiceConnection
    ) -> dict[str, Any]:
        return {
            **self.kind_representation(connection),
            "kubeconfig": connection.kubeconfig,
            "verify_ssl": connection.verify_ssl,
        }

    def _effective_local(self) -> bool | None:
        """`local` as it will be stored; None when the request's value is invalid
        (that error is reported under `local`)."""
        raw = self.initial_data.get("local", empty)
        if raw is empty:
            return self.instance.local if self.instance is not None else False
        try:
            return self.fields["local"].run_validation(raw)
        except serializers.ValidationError:
            return None

    def validate_kubeconfig(self, kubeconfig: dict[str, Any]) -> dict[str, Any]:
        if not kubeconfig:
            if self._effective_local() is False:
                raise serializers.ValidationError(EMPTY_NOT_LOCAL)
            return kubeconfig
        if kubeconfig_target(kubeconfig) is None:
            raise serializers.ValidationError(INVALID_KUBECONFIG)
        return kubeconfig

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # A request without `kubeconfig` keeps the stored one (empty on
        # create), which must still suit the connection's `local`.
        if "kubeconfig" in attrs:
            return attrs
        if self.instance is None or "local" in attrs:
            stored = self.instance.kubeconfig if self.instance is not None else {}
            local = attrs.get("local", False)
            if not stored and not local:
                raise serializers.ValidationError({"kubeconfig": [EMPTY_NOT_LOCAL]})
        return attrs
