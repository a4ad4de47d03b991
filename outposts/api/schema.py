"""OpenAPI schema details that match authentik's published schema."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as BaseAutoSchema

VALIDATION_ERROR = {
    "type": "object",
    "description": "Validation Error",
    "properties": {
        "non_field_errors": {"type": "array", "items": {"type": "string"}},
        "code": {"type": "string"},
    },
    "additionalProperties": {},
}
GENERIC_ERROR = {
    "type": "object",
    "description": "Generic API Error",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
    },
    "required": ["detail"],
}
PAGINATION = {
    "type": "object",
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


def add_shared_components(result, generator, request, public):
    """Postprocessing hook: the components every operation's errors refer to."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(SHARED_COMPONENTS)
    result["components"]["schemas"] = dict(sorted(schemas.items()))
    return result


def _error_response(component: str, description: str) -> dict:
    return {
        "content": {
            "application/json": {
                "schema": {"$ref": f"#/components/schemas/{component}"}
            }
        },
        "description": description,
    }


class AutoSchema(BaseAutoSchema):
    """Declares the 400 and 403 error bodies on every operation, as authentik does."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        responses.setdefault("400", _error_response("ValidationError", ""))
        responses.setdefault("403", _error_response("GenericError", ""))
        return responses


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "outposts.api.authentication.BearerTokenAuthentication"
    name = "authentik"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}
