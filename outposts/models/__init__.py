"""The data model: outposts, the providers they serve, the service
connections that deploy them, and the tokens and audit events around them."""

from outposts.models.events import Event, EventAction
from outposts.models.outposts import (
    EMBEDDED_OUTPOST_MANAGED,
    EMBEDDED_OUTPOST_NAME,
    Outpost,
    OutpostType,
)
from outposts.models.providers import (
    Application,
    Flow,
    LDAPProvider,
    PropertyMapping,
    Provider,
    ProxyProvider,
    RACProvider,
    RadiusProvider,
)
from outposts.models.service_connections import (
    CertificateKeyPair,
    DockerServiceConnection,
    KubernetesServiceConnection,
    OutpostServiceConnection,
)
from outposts.models.tokens import Token, TokenIntent

__all__ = [
    "EMBEDDED_OUTPOST_MANAGED",
    "EMBEDDED_OUTPOST_NAME",
    "Application",
    "CertificateKeyPair",
    "DockerServiceConnection",
    "Event",
    "EventAction",
    "Flow",
    "KubernetesServiceConnection",
    "LDAPProvider",
    "Outpost",
    "OutpostServiceConnection",
    "OutpostType",
    "PropertyMapping",
    "Provider",
    "ProxyProvider",
    "RACProvider",
    "RadiusProvider",
    "Token",
    "TokenIntent",
]
