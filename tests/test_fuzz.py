"""Schemathesis against the live server's own schema: every operation under
/outposts/ and /providers/, valid and invalid data, NUL bytes included.

No answer may be a 5xx, and every answer must be declared by the schema, in
status code, content type, headers and body. The seed is fixed and the example
count bounded, so a run is repeatable and short; FUZZ_EXAMPLES and FUZZ_SEED
make it longer or different (see the README).
"""

import os

import hypothesis
import hypothesis.errors
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.reliability import own_server, provider_create

pytestmark = pytest.mark.live

SEED = int(os.environ.get("FUZZ_SEED", "20260805"))
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
# authentik's schema declares only 400 and 403 besides success; the contract
# adds these, each with a `GenericError` body.
CONTRACT_STATUSES = {404, 405, 415}


def declared_or_contract_status(ctx, response, case):
    """`status_code_conformance`, also accepting the contract's extra errors."""
    if response.status_code in CONTRACT_STATUSES:
        body = response.json()
        assert set(body) == {"detail", "code"}, body
        assert isinstance(body["detail"], str) and isinstance(body["code"], str)
        return True
    return status_code_conformance(ctx, response, case)


CHECKS = [
    not_a_server_error,
    declared_or_contract_status,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory):
    with own_server(tmp_path_factory.mktemp("fuzz"), "fuzz") as server:
        # Something for the generated requests to find besides 404s.
        provider = provider_create(server, "proxy", "fuzz-provider")
        with server.client() as client:
            client.post(
                "/api/v3/outposts/instances/",
                json={
                    "name": "fuzz",
                    "type": "proxy",
                    "providers": [provider],
                    "config": {},
                },
            )
        yield server


@pytest.fixture(scope="module")
def api_schema(fuzz_server):
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "headers": {"Authorization": f"Bearer {fuzz_server.token}"},
            "generation": {"allow-x00": True, "with-security-parameters": False},
        }
    )
    schema = schemathesis.openapi.from_url(
        f"{fuzz_server.url}/api/v3/schema/?format=json", config=config
    )
    return schema.include(path_regex=r"^/(outposts|providers)/")


def operation_failures(operation, mode: GenerationMode, token: str) -> list[str]:
    @hypothesis.seed(SEED)
    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        suppress_health_check=list(hypothesis.HealthCheck),
        print_blob=False,
    )
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        case.call_and_validate(
            headers={"Authorization": f"Bearer {token}"}, checks=CHECKS
        )

    try:
        run()
    except hypothesis.errors.Unsatisfiable:
        # Nothing in this operation can be made invalid (no parameters, no body).
        return []
    except Exception as exc:  # noqa: BLE001 - each operation's failure is collected
        return [f"{operation.label} [{mode.value}]: {exc}"]
    return []


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_operation_fails_or_breaks_its_schema(api_schema, fuzz_server, mode):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 20

    failures = []
    for operation in operations:
        failures.extend(operation_failures(operation, mode, fuzz_server.token))

    assert failures == [], "\n\n".join(failures)
