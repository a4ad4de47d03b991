from uuid import uuid4

from django.db import models

from outposts.models.kinds import KindMixin


class CertificateKeyPair(models.Model):
    """A PEM certificate with an optional private key, used for TLS."""

    kp_uuid = models.UUIDField(primary_key=True, default=uuid4, editable=False)
    name = models.TextField(unique=True)
    certificate_data = models.TextField(help_text="PEM-encoded certificate.")
    key_data = models.TextField(
        blank=True, default="", help_text="PEM-encoded private key; never shown."
    )

    class Meta:
        verbose_name = "Certificate-Key Pair"
        verbose_name_plural = "Certificate-Key Pairs"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OutpostServiceConnection(KindMixin, models.Model):
    """How the server deploys outposts: a Docker endpoint or a Kubernetes cluster."""

    kind_accessors = ("dockerserviceconnection", "kubernetesserviceconnection")

    uuid = models.UUIDField(primary_key=True, default=uuid4, editable=False)
    name = models.TextField(unique=True)
    local = models.BooleanField(
        default=False,
        help_text=(
            "If enabled, use the local connection. Required Docker "
            "socket/Kubernetes Integration"
        ),
    )

    class Meta:
        verbose_name = "Outpost Service-Connection"
        verbose_name_plural = "Outpost Service-Connections"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DockerServiceConnection(OutpostServiceConnection):
    """A Docker daemon reached over a unix socket or HTTP(S)."""

    component = "ak-service-connection-docker-form"
    kind_description = "Deploy outposts as containers on a Docker host."

    url = models.TextField(
        help_text=(
            "Can be in the format of 'unix://<path>' when connecting to a local "
            "docker daemon, or 'https://<hostname>:2376' when connecting to a "
            "remote system."
        )
    )
    tls_verification = models.ForeignKey(
        CertificateKeyPair,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=(
            "CA which the endpoint's Certificate is verified against. Can be left "
            "empty for no validation."
        ),
    )
    tls_authentication = models.ForeignKey(
        CertificateKeyPair,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=(
            "Certificate/Key used for authentication. Can be left empty for no "
            "authentication."
        ),
    )

    class Meta:
        verbose_name = "Docker Service-Connection"
        verbose_name_plural = "Docker Service-Connections"


class KubernetesServiceConnection(OutpostServiceConnection):
    """A Kubernetes cluster reached with a kubeconfig or from inside the cluster."""

    component = "ak-service-connection-kubernetes-form"
    kind_description = "Deploy outposts as workloads in a Kubernetes cluster."

    kubeconfig = models.JSONField(
        default=dict,
        blank=True,
        help_text=(
            "Paste your kubeconfig here. authentik will automatically use the "
            "currently selected context."
        ),
    )
    verify_ssl = models.BooleanField(
        default=True, help_text="Verify SSL Certificates of the Kubernetes API endpoint"
    )

    class Meta:
        verbose_name = "Kubernetes Service-Connection"
        verbose_name_plural = "Kubernetes Service-Connections"
