"""Our schema against authentik's, as the `authentik-client` package encodes it.

A client generated from our schema must equal the published one for these
components and operations, so every fact the generator uses is compared:
property names and order, types, required, nullable, read-only and
write-only, descriptions, defaults, length limits and enum values; operation
ids, paths, parameters, bodies, content types, responses and security.
"""

import pytest
from authentik_client.api.outposts_api import OutpostsApi
from authentik_client.api.providers_api import ProvidersApi

from tests.client_reference import (
    client_enum_values,
    client_fields,
    client_has_additional_properties,
    client_model,
    client_operation,
    client_operation_names,
    client_property_names,
    schema_fields,
    schema_operation,
)
from tests.schema_export import fresh_export, operations

OBJECT_COMPONENTS = [
    "Outpost",
    "OutpostRequest",
    "PatchedOutpostRequest",
    "PaginatedOutpostList",
    "Pagination",
    "Provider",
    "ServiceConnection",
    "OutpostHealth",
    "OutpostDefaultConfig",
    "UsedBy",
    "TypeCreate",
    "ServiceConnectionState",
    "DockerServiceConnection",
    "DockerServiceConnectionRequest",
    "PatchedDockerServiceConnectionRequest",
    "KubernetesServiceConnection",
    "KubernetesServiceConnectionRequest",
    "PatchedKubernetesServiceConnectionRequest",
    "PaginatedDockerServiceConnectionList",
    "PaginatedKubernetesServiceConnectionList",
    "PaginatedServiceConnectionList",
    "PaginatedProviderList",
    "ValidationError",
    "GenericError",
]
ENUM_COMPONENTS = ["OutpostTypeEnum", "UsedByActionEnum"]
# Response components whose writable fields the client also knows from a
# request model; the fields only the response has must be read-only.
RESPONSE_REQUEST_PAIRS = [
    ("Outpost", "OutpostRequest"),
    ("DockerServiceConnection", "DockerServiceConnectionRequest"),
    ("KubernetesServiceConnection", "KubernetesServiceConnectionRequest"),
]
# The operations this server implements: every method of these prefixes.
IMPLEMENTED = [
    (OutpostsApi, ("outposts_instances_", "outposts_service_connections_")),
    (ProvidersApi, ("providers_all_",)),
]
CLIENT_OPERATIONS = [
    (api, name)
    for api, prefixes in IMPLEMENTED
    for name in client_operation_names(api, prefixes)
]


@pytest.fixture(scope="module")
def schema() -> dict:
    return fresh_export()


@pytest.fixture(scope="module")
def components(schema) -> dict:
    return schema["components"]["schemas"]


@pytest.fixture(scope="module")
def our_operations(schema) -> dict:
    return {
        operation["operationId"]: (path, method, operation)
        for path, method, operation in operations(schema)
    }


@pytest.mark.parametrize("name", OBJECT_COMPONENTS)
def test_component_fields_match_the_client_model(components, name):
    model = client_model(name)
    assert name in components, f"component {name} is missing from our schema"
    component = components[name]

    assert list(component.get("properties", {})) == client_property_names(model)
    assert schema_fields(component) == client_fields(model)
    assert ("additionalProperties" in component) == (
        client_has_additional_properties(model)
    )


@pytest.mark.parametrize(("response", "request_name"), RESPONSE_REQUEST_PAIRS)
def test_fields_only_responses_carry_are_read_only(components, response, request_name):
    writable = set(client_property_names(client_model(request_name)))
    response_properties = components[response]["properties"]
    request_properties = components[request_name]["properties"]

    read_only = {
        name for name, prop in response_properties.items() if prop.get("readOnly")
    }
    write_only = {
        name for name, prop in request_properties.items() if prop.get("writeOnly")
    }
    assert read_only == set(response_properties) - writable
    assert write_only == writable - set(response_properties)


@pytest.mark.parametrize("name", ENUM_COMPONENTS)
def test_enum_values_match_the_client_enum(components, name):
    assert components[name]["type"] == "string"
    assert components[name]["enum"] == client_enum_values(name)


@pytest.mark.parametrize(
    ("api", "name"), CLIENT_OPERATIONS, ids=[name for _, name in CLIENT_OPERATIONS]
)
def test_operation_matches_the_client_method(our_operations, api, name):
    expected = client_operation(api, name)
    assert name in our_operations, f"operation {name} is missing from our schema"
    path, method, operation = our_operations[name]

    assert schema_operation(path, method, operation) == expected


def test_schema_has_no_operation_the_client_lacks(our_operations):
    client_names = {name for _, name in CLIENT_OPERATIONS}

    assert set(our_operations) - client_names == set()
