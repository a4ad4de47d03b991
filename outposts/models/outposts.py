from uuid import uuid4

from django.db import models

EMBEDDED_OUTPOST_NAME = "authentik Embedded Outpost"
EMBEDDED_OUTPOST_MANAGED = "goauthentik.io/outposts/embedded"


class OutpostType(models.TextChoices):
    PROXY = "proxy", "Proxy"
    LDAP = "ldap", "Ldap"
    RADIUS = "radius", "Radius"
    RAC = "rac", "Rac"


class Outpost(models.Model):
    """A deployed agent serving providers of one kind.

    The agent authenticates with the API token of the outpost's own service
    account and reads `config` to know how to run.
    """

    uuid = models.UUIDField(primary_key=True, default=uuid4, editable=False)
    name = models.TextField(unique=True)
    type = models.TextField(choices=OutpostType.choices, default=OutpostType.PROXY)
    service_connection = models.ForeignKey(
        "OutpostServiceConnection",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outposts",
        help_text=(
            "Select Service-Connection authentik should use to manage this outpost. "
            "Leave empty if authentik should not handle the deployment."
        ),
    )
    config = models.JSONField(default=dict, blank=True)
    providers = models.ManyToManyField("Provider", blank=True, related_name="outposts")
    managed = models.TextField(
        null=True,
        blank=True,
        unique=True,
        default=None,
        verbose_name="Managed by authentik",
        help_text=(
            "Objects that are managed by authentik. These objects are created and "
            "updated automatically. This flag only indicates that an object can be "
            "overwritten by migrations. You can still modify the objects via the "
            "API, but expect changes to be overwritten in a later update."
        ),
    )

    class Meta:
        verbose_name = "Outpost"
        verbose_name_plural = "Outposts"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_embedded(self) -> bool:
        return self.managed == EMBEDDED_OUTPOST_MANAGED

    @property
    def token_identifier(self) -> str:
        return f"ak-outpost-{self.pk}-api"

    @property
    def service_account_username(self) -> str:
        return f"ak-outpost-{self.pk.hex}"
