"""The official authentik-client package against the real server, every operation.

The server is the one `make run` starts (tests/live.py), on a fresh database.
"""

import json

import authentik_client as ak
import pytest
from authentik_client.exceptions import ApiException

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def providers(app_server) -> dict[str, int]:
    """One provider of each kind, made through the ORM since providers have no API."""
    output = app_server.shell(
        "import json\n"
        "from outposts.models import *\n"
        "made = {}\n"
        "for kind, model in [('proxy', ProxyProvider), ('proxy2', ProxyProvider),"
        " ('ldap', LDAPProvider)]:\n"
        "    made[kind] = model.objects.create(name=f'client-{kind}').pk\n"
        "print(json.dumps(made))\n"
    )
    return json.loads(output.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def api(app_server) -> ak.OutpostsApi:
    config = ak.Configuration(
        host=f"{app_server.url}/api/v3", access_token=app_server.token
    )
    return ak.OutpostsApi(ak.ApiClient(config))


def test_every_operation_through_the_client(api, providers, app_server):
    created = api.outposts_instances_create(
        ak.OutpostRequest(
            name="client-edge",
            type=ak.OutpostTypeEnum.PROXY,
            providers=[providers["proxy"]],
            config={"log_level": "debug"},
        )
    )
    assert created.name == "client-edge"
    assert created.providers_obj[0].component == "ak-provider-proxy-form"
    assert created.token_identifier == f"ak-outpost-{created.pk}-api"

    fetched = api.outposts_instances_retrieve(str(created.pk))
    assert fetched == created

    patched = api.outposts_instances_partial_update(
        str(created.pk),
        ak.PatchedOutpostRequest(
            name="client-edge-2", providers=[providers["proxy"], providers["proxy2"]]
        ),
    )
    assert patched.name == "client-edge-2"
    assert patched.providers == sorted([providers["proxy"], providers["proxy2"]])
    assert patched.config == {"log_level": "debug"}

    updated = api.outposts_instances_update(
        str(created.pk),
        ak.OutpostRequest(
            name="client-edge-3",
            type=ak.OutpostTypeEnum.LDAP,
            providers=[providers["ldap"]],
            config={"refresh_interval": "hours=1"},
        ),
    )
    assert (updated.type, updated.refresh_interval_s) == (ak.OutpostTypeEnum.LDAP, 3600)
    assert updated.providers_obj[0].meta_model_name == "outposts.ldapprovider"

    page = api.outposts_instances_list(
        name__icontains="client", providers_by_pk=[providers["ldap"]], page_size=5
    )
    assert [outpost.name for outpost in page.results] == ["client-edge-3"]
    assert page.pagination.count == 1
    searched = api.outposts_instances_list(search="client-ldap", ordering="-name")
    assert [outpost.pk for outpost in searched.results] == [created.pk]

    assert api.outposts_instances_health_list(str(created.pk)) == []
    used_by = api.outposts_instances_used_by_list(str(created.pk))
    assert [(entry.model_name, entry.action) for entry in used_by] == [
        ("ldapprovider", ak.UsedByActionEnum.CASCADE_MANY)
    ]
    defaults = api.outposts_instances_default_settings_retrieve()
    assert defaults.config["authentik_host"] == f"{app_server.url}/"

    api.outposts_instances_destroy(str(created.pk))
    with pytest.raises(ApiException) as missing:
        api.outposts_instances_retrieve(str(created.pk))
    assert missing.value.status == 404
    assert json.loads(missing.value.body) == {
        "detail": "No Outpost matches the given query.",
        "code": "not_found",
    }


def test_validation_errors_through_the_client(api, providers):
    outpost = api.outposts_instances_create(
        ak.OutpostRequest(
            name="client-errors",
            type=ak.OutpostTypeEnum.PROXY,
            providers=[providers["proxy"]],
            config={},
        )
    )

    with pytest.raises(ApiException) as rejected:
        api.outposts_instances_partial_update(
            str(outpost.pk), ak.PatchedOutpostRequest(providers=[providers["ldap"]])
        )

    assert rejected.value.status == 400
    assert json.loads(rejected.value.body) == {
        "providers": ["Outpost type proxy can't be used with LDAPProvider providers."],
        "code": "invalid",
    }
    assert api.outposts_instances_retrieve(str(outpost.pk)).providers == [
        providers["proxy"]
    ]


def test_bad_token_through_the_client(app_server):
    config = ak.Configuration(host=f"{app_server.url}/api/v3", access_token="wrong")
    api = ak.OutpostsApi(ak.ApiClient(config))

    with pytest.raises(ApiException) as denied:
        api.outposts_instances_list()

    assert denied.value.status == 403
    assert json.loads(denied.value.body) == {
        "detail": "Token invalid/expired",
        "code": "authentication_failed",
    }
