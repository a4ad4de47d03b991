from uuid import uuid4

from django.db import models

from outposts.models.kinds import KindMixin


class Flow(models.Model):
    """A login or authorization flow that providers refer to by id."""

    flow_uuid = models.UUIDField(primary_key=True, default=uuid4)
    name = models.TextField()
    slug = models.SlugField(unique=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name


class PropertyMapping(models.Model):
    """A mapping of user attributes into what a provider sends."""

    pm_uuid = models.UUIDField(primary_key=True, default=uuid4)
    name = models.TextField(unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProviderQuerySet(models.QuerySet):
    def with_kind(self) -> "ProviderQuerySet":
        """Join what the API shows of a provider: its kind and applications."""
        return self.select_related(
            *Provider.kind_accessors,
            "application",
            "backchannel_application",
        ).prefetch_related("property_mappings")


class Provider(KindMixin, models.Model):
    """One protected service definition; outposts serve the four kinds below."""

    kind_accessors = ("proxyprovider", "ldapprovider", "radiusprovider", "racprovider")

    name = models.TextField(unique=True)
    authentication_flow = models.ForeignKey(
        Flow,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="provider_authentication",
        help_text=(
            "Flow used for authentication when the associated application is "
            "accessed by an un-authenticated user."
        ),
    )
    authorization_flow = models.ForeignKey(
        Flow,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="provider_authorization",
        help_text="Flow used when authorizing this provider.",
    )
    invalidation_flow = models.ForeignKey(
        Flow,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="provider_invalidation",
        help_text="Flow used ending the session from a provider.",
    )
    property_mappings = models.ManyToManyField(PropertyMapping, blank=True)
    backchannel_application = models.ForeignKey(
        "Application",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="backchannel_providers",
        help_text=(
            "Accessed from applications; optional backchannel providers for "
            "protocols like LDAP and SCIM."
        ),
    )
    is_backchannel = models.BooleanField(default=False)

    objects = ProviderQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProxyProvider(Provider):
    """Protects a web application behind the proxy outpost."""

    component = "ak-provider-proxy-form"
    kind_description = "Authenticate and authorize requests to a web application."

    external_host = models.TextField(blank=True, default="")
    internal_host = models.TextField(blank=True, default="")

    class Meta:
        verbose_name = "Proxy Provider"
        verbose_name_plural = "Proxy Providers"


class LDAPProvider(Provider):
    """Answers LDAP binds and searches from the LDAP outpost."""

    component = "ak-provider-ldap-form"
    kind_description = "Serve users and groups to applications that speak LDAP."

    base_dn = models.TextField(default="DC=ldap,DC=goauthentik,DC=io")

    class Meta:
        verbose_name = "LDAP Provider"
        verbose_name_plural = "LDAP Providers"


class RadiusProvider(Provider):
    """Authenticates network devices through the RADIUS outpost."""

    component = "ak-provider-radius-form"
    kind_description = "Authenticate network clients over the RADIUS protocol."

    client_networks = models.TextField(default="0.0.0.0/0, ::/0")
    shared_secret = models.TextField(blank=True, default="")

    class Meta:
        verbose_name = "Radius Provider"
        verbose_name_plural = "Radius Providers"


class RACProvider(Provider):
    """Gives browser access to remote desktops through the RAC outpost."""

    component = "ak-provider-rac-form"
    kind_description = "Reach remote desktops and shells from the browser."

    connection_expiry = models.TextField(default="hours=8")

    class Meta:
        verbose_name = "RAC Provider"
        verbose_name_plural = "RAC Providers"


class Application(models.Model):
    """A user-facing application, served by at most one provider."""

    name = models.TextField(help_text="Application's display Name.")
    slug = models.SlugField(
        unique=True, help_text="Internal application name, used in URLs."
    )
    provider = models.OneToOneField(
        Provider,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="application",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
