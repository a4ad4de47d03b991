"""The committed OpenAPI schema: up to date, clean, valid, and served as documented."""

import re

import pytest
import yaml
from openapi_spec_validator import validate

from tests.schema_export import (
    SCHEMA_FILE,
    CommandExport,
    command_export,
    committed_schema,
    component_name,
    fresh_export,
    operations,
)

ERROR_RESPONSES = {"400": "ValidationError", "403": "GenericError"}


def differing_keys(left: dict, right: dict) -> list[str]:
    return sorted(
        key for key in left.keys() | right.keys() if left.get(key) != right.get(key)
    )


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> CommandExport:
    return command_export(tmp_path_factory.mktemp("schema") / "schema.yml")


def test_make_schema_command_succeeds_without_warnings(exported):
    # --fail-on-warn turns any drf-spectacular warning or error into a failure.
    assert exported.returncode == 0, exported.output
    assert re.findall(r"(?im)^.*\b(warning|error)\b.*$", exported.output) == []


def test_committed_schema_equals_a_fresh_export(exported):
    assert SCHEMA_FILE.exists(), "schema.yml is missing: run `make schema`"
    committed = committed_schema()
    fresh = exported.schema

    stale_paths = differing_keys(committed["paths"], fresh["paths"])
    stale_components = differing_keys(
        committed["components"]["schemas"], fresh["components"]["schemas"]
    )
    assert (stale_paths, stale_components) == ([], []), (
        "schema.yml is out of date: run `make schema`"
    )
    assert committed == fresh, "schema.yml is out of date: run `make schema`"


def test_in_process_export_equals_the_commands(exported):
    """The detailed checks below and beside look at what `make schema` writes."""
    assert fresh_export() == exported.schema


def test_openapi_spec_validator_accepts_the_schema():
    validate(fresh_export())


def test_openapi_spec_validator_accepts_the_committed_file():
    validate(committed_schema())


def test_every_operation_declares_error_bodies_and_bearer_auth():
    schema = fresh_export()

    for path, method, operation in operations(schema):
        responses = operation["responses"]
        declared = {
            code: component_name(
                responses[code]["content"]["application/json"]["schema"]["$ref"]
            )
            for code in ERROR_RESPONSES
            if code in responses
        }
        assert declared == ERROR_RESPONSES, (path, method)
        assert operation["security"] == [{"authentik": []}], (path, method)
    assert schema["components"]["securitySchemes"] == {
        "authentik": {
            "type": "http",
            "scheme": "bearer",
            "description": schema["components"]["securitySchemes"]["authentik"][
                "description"
            ],
        }
    }


def test_paths_are_relative_to_the_api_server_url():
    schema = fresh_export()

    assert schema["servers"] == [{"url": "/api/v3"}]
    assert schema["paths"]
    assert [p for p in schema["paths"] if p.startswith("/api/")] == []


def test_every_component_is_used():
    schema = fresh_export()
    text = yaml.safe_dump(schema["paths"]) + yaml.safe_dump(schema["components"])

    referenced = set(re.findall(r"#/components/schemas/(\w+)", text))
    assert set(schema["components"]["schemas"]) == referenced


def test_descriptions_do_not_merely_name_a_class():
    """Docstrings become descriptions; none may be a bare class name."""
    schema = fresh_export()
    junk = re.compile(r"^\w+ (Serializer|Viewset|ViewSet)$")
    descriptions = [
        operation.get("description", "") for _, _, operation in operations(schema)
    ] + [
        component.get("description", "")
        for component in schema["components"]["schemas"].values()
    ]

    assert [text for text in descriptions if junk.match(text)] == []
    assert all(operation.get("description") for _, _, operation in operations(schema))


def test_schema_is_served_as_yaml_and_json_without_credentials(client):
    as_yaml = client.get("/api/v3/schema/")
    as_json = client.get("/api/v3/schema/?format=json")

    assert as_yaml.status_code == 200
    assert as_yaml["Content-Type"].startswith("application/vnd.oai.openapi")
    served = yaml.safe_load(as_yaml.content)
    assert as_json.status_code == 200
    assert as_json.json() == served
    assert set(served["paths"]) == set(fresh_export()["paths"])
    assert served["components"] == fresh_export()["components"]


def test_docs_page_loads_every_asset_from_this_server(client):
    response = client.get("/api/v3/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert re.findall(r"https?://", html) == []
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any("drf_spectacular_sidecar/swagger-ui-dist" in asset for asset in assets)
    for asset in assets:
        assert asset.startswith("/"), asset
        assert client.get(asset).status_code == 200, asset
