"""The operators' admin at /admin/: one module per concept, registered on import."""

from outposts.admin import (  # noqa: F401
    applications,
    certificates,
    events,
    outposts,
    providers,
    service_connections,
    tokens,
)
