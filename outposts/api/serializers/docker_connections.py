"""The `DockerServiceConnection` shape and its validation."""

import re
from typing import Any
from urllib.parse import urlsplit

from rest_framework import serializers

from outposts.api.serializers.connection_kinds import ConnectionKindSerializer
from outposts.api.serializers.service_connections import KIND_FIELDS
from outposts.models import CertificateKeyPair, DockerServiceConnection

HOST_NAME = re.compile(
    r"^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$"
)
URL_MESSAGE = (
    "Enter unix://<path> for a local socket, or http(s)://<host>[:port] for a "
    "remote Docker daemon."
)
SSH_MESSAGE = "Docker endpoints over ssh:// are not supported."


def _valid_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return False
    host = parts.hostname or ""
    bracketed = parts.netloc.rsplit("@", 1)[-1].startswith("[")
    return (
        parts.scheme in ("http", "https")
        and (bracketed or bool(HOST_NAME.match(host)))
        and bool(host)
        and parts.username is None
        and parts.path in ("", "/")
        and not parts.query
        and not parts.fragment
        and "?" not in url
        and "#" not in url
    )


def validate_docker_url(url: str) -> str:
    """Accept `unix://<absolute path>` and `http(s)://<host>[:port]`."""
    if "\x00" in url:
        # Reported by the field's own null-character validator.
        return url
    if url.lower().startswith("ssh://"):
        raise serializers.ValidationError(SSH_MESSAGE)
    if url.startswith("unix://"):
        path = url[len("unix://") :]
        if path.startswith("/") and len(path) > 1 and not path.isspace():
            return url
        raise serializers.ValidationError(URL_MESSAGE)
    if not _valid_http_url(url):
        raise serializers.ValidationError(URL_MESSAGE)
    return url


def _keypair_field(field_name: str) -> serializers.PrimaryKeyRelatedField:
    return serializers.PrimaryKeyRelatedField(
        queryset=CertificateKeyPair.objects.all(),
        pk_field=serializers.UUIDField(),
        allow_null=True,
        required=False,
        help_text=DockerServiceConnection._meta.get_field(field_name).help_text,
    )


class DockerServiceConnectionSerializer(ConnectionKindSerializer):
    """A Docker daemon that outposts can be deployed to."""

    url = serializers.CharField(
        validators=[validate_docker_url],
        help_text=DockerServiceConnection._meta.get_field("url").help_text,
    )
    tls_verification = _keypair_field("tls_verification")
    tls_authentication = _keypair_field("tls_authentication")

    class Meta:
        model = DockerServiceConnection
        fields = [*KIND_FIELDS, "url", "tls_verification", "tls_authentication"]

    def to_representation(self, connection: DockerServiceConnection) -> dict[str, Any]:
        return {
            **self.kind_representation(connection),
            "url": connection.url,
            "tls_verification": connection.tls_verification_id,
            "tls_authentication": connection.tls_authentication_id,
        }
