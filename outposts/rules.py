"""Rules an outpost must satisfy, shared by the API and the admin."""

from collections.abc import Iterable

from outposts.models import (
    LDAPProvider,
    OutpostType,
    Provider,
    ProxyProvider,
    RACProvider,
    RadiusProvider,
)

PROVIDER_KIND_FOR_TYPE: dict[str, type[Provider]] = {
    OutpostType.PROXY: ProxyProvider,
    OutpostType.LDAP: LDAPProvider,
    OutpostType.RADIUS: RadiusProvider,
    OutpostType.RAC: RACProvider,
}


def provider_kind_error(
    outpost_type: str, provider_kinds: Iterable[type[Provider]]
) -> str | None:
    """The message for the first provider kind an outpost of `outpost_type` cannot
    serve, or None when it can serve them all."""
    expected = PROVIDER_KIND_FOR_TYPE[outpost_type]
    for kind in provider_kinds:
        if kind is not expected:
            return (
                f"Outpost type {outpost_type} can't be used with "
                f"{kind.__name__} providers."
            )
    return None


def provider_type_error(outpost_type: str, providers: Iterable[Provider]) -> str | None:
    """Like `provider_kind_error`, for provider rows of any class."""
    return provider_kind_error(
        outpost_type, (type(provider.concrete()) for provider in providers)
    )
