"""OpenAPI schema details that match authentik's published schema.

Clients are generated from this schema, so its component names, fields and
operations follow authentik's; the test suite compares them with the
`authentik-client` package field by field.
"""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as BaseAutoSchema

COMPONENT_PREFIX = "#/components/schemas/"

VALIDATION_ERROR = {
    "type": "object",
    "description": (
        "The request was not valid. Each key names a request field and lists "
        "its messages; `non_field_errors` holds messages about the request as "
        "a whole, and `code` says what kind of error it is."
    ),
    "properties": {
        "non_field_errors": {"type": "array", "items": {"type": "string"}},
        "code": {"type": "string"},
    },
    "additionalProperties": {},
}
GENERIC_ERROR = {
    "type": "object",
    "description": (
        "An error about the request as a whole: `detail` explains it to a "
        "person, `code` names it for a program (for example "
        "`not_authenticated` or `permission_denied`)."
    ),
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
    },
    "required": ["detail"],
}
PAGINATION = {
    "type": "object",
    "description": (
        "Where a page sits in the whole list. `next` and `previous` are page "
        "numbers, 0 when there is no such page; `start_index` and `end_index` "
        "count the page's first and last entries from 1, both 0 for an empty "
        "list."
    ),
    "properties": {
        "next": {"type": "number"},
        "previous": {"type": "number"},
        "count": {"type": "number"},
        "current": {"type": "number"},
        "total_pages": {"type": "number"},
        "start_index": {"type": "number"},
        "end_index": {"type": "number"},
    },
    "required": [
        "count",
        "current",
        "end_index",
        "next",
        "previous",
        "start_index",
        "total_pages",
    ],
}
SHARED_COMPONENTS = {
    "Pagination": PAGINATION,
    "ValidationError": VALIDATION_ERROR,
    "GenericError": GENERIC_ERROR,
}


def _references(node: Any) -> set[str]:
    """Names of the schema components that `node` refers to, directly."""
    found: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str) and ref.startswith(COMPONENT_PREFIX):
                found.add(ref.removeprefix(COMPONENT_PREFIX))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _reachable(paths: dict, schemas: dict) -> set[str]:
    reachable: set[str] = set()
    pending = _references(paths)
    while pending:
        name = pending.pop()
        if name in reachable or name not in schemas:
            continue
        reachable.add(name)
        pending |= _references(schemas[name])
    return reachable


def add_shared_components(result, generator, request, public):
    """Postprocessing hook: add the shared components, drop the unused ones.

    Nested read-only serializers leave request-side components behind
    (`ProviderRequest`, ...) that no operation uses; authentik's schema has
    none of them, and a generated client would grow a model for each.
    """
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(SHARED_COMPONENTS)
    used = _reachable(result.get("paths", {}), schemas)
    result["components"]["schemas"] = {
        name: schemas[name] for name in sorted(schemas) if name in used
    }
    return result


def _error_response(component: str, description: str) -> dict:
    return {
        "content": {
            "application/json": {"schema": {"$ref": f"{COMPONENT_PREFIX}{component}"}}
        },
        "description": description,
    }


class AutoSchema(BaseAutoSchema):
    """Declares the 400 and 403 error bodies on every operation, as authentik does."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        responses.setdefault(
            "400",
            _error_response(
                "ValidationError", "The request was not valid; nothing changed."
            ),
        )
        responses.setdefault(
            "403",
            _error_response(
                "GenericError",
                "Not authenticated, or not allowed to perform this operation.",
            ),
        )
        return responses


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "outposts.api.authentication.BearerTokenAuthentication"
    name = "authentik"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "An API token: send `Authorization: Bearer <key>`. Outposts "
                "use the token the server made for them."
            ),
        }
