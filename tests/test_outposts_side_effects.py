"""What outpost writes do besides the row: accounts, tokens, audit events."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from guardian.models import GroupObjectPermission, UserObjectPermission
from guardian.shortcuts import assign_perm

from outposts.models import Event, Outpost, Token

URL = "/api/v3/outposts/instances/"


def create(client, provider, **fields):
    body = {"name": "edge", "type": "proxy", "providers": [provider.pk], "config": {}}
    response = client.post(URL, {**body, **fields}, HTTP_USER_AGENT="pytest-agent")
    assert response.status_code == 201, response.json()
    return response.json()


def account_of(pk: str):
    return get_user_model().objects.get(username=f"ak-outpost-{pk.replace('-', '')}")


def granted(user) -> set[tuple[str, str]]:
    rows = UserObjectPermission.objects.filter(user=user).select_related("permission")
    return {(row.permission.codename, row.object_pk) for row in rows}


def test_create_returns_the_outpost_in_contract_key_order(admin_client, make_provider):
    provider = make_provider(application="grafana")

    body = create(admin_client, provider, config={"log_level": "debug"})

    assert list(body) == [
        "pk",
        "name",
        "type",
        "providers",
        "providers_obj",
        "service_connection",
        "service_connection_obj",
        "refresh_interval_s",
        "token_identifier",
        "config",
        "managed",
    ]
    assert body["token_identifier"] == f"ak-outpost-{body['pk']}-api"
    assert body["providers_obj"] == [
        {
            "pk": provider.pk,
            "name": provider.name,
            "authentication_flow": None,
            "authorization_flow": None,
            "invalidation_flow": None,
            "property_mappings": [],
            "component": "ak-provider-proxy-form",
            "assigned_application_slug": "grafana",
            "assigned_application_name": "grafana",
            "assigned_backchannel_application_slug": None,
            "assigned_backchannel_application_name": None,
            "verbose_name": "Proxy Provider",
            "verbose_name_plural": "Proxy Providers",
            "meta_model_name": "outposts.proxyprovider",
        }
    ]
    assert body["config"] == {"log_level": "debug"}
    assert body["refresh_interval_s"] == 300


def test_create_makes_service_account_token_and_permissions(
    admin_client, make_provider
):
    provider = make_provider()

    body = create(admin_client, provider)

    account = account_of(body["pk"])
    assert not account.has_usable_password()
    token = Token.objects.get(identifier=body["token_identifier"])
    assert (token.user, token.intent, token.expiring) == (account, "api", False)
    assert granted(account) == {
        ("view_outpost", body["pk"]),
        ("view_provider", str(provider.pk)),
    }


def test_provider_changes_follow_the_service_account(
    admin_client, make_outpost, make_provider
):
    outpost = make_outpost()
    replacement = make_provider()

    response = admin_client.patch(
        f"{URL}{outpost.pk}/", {"providers": [replacement.pk]}
    )

    assert response.status_code == 200
    assert granted(account_of(str(outpost.pk))) == {
        ("view_outpost", str(outpost.pk)),
        ("view_provider", str(replacement.pk)),
    }


def test_delete_removes_service_account_and_token(admin_client, make_outpost):
    outpost = make_outpost()
    identifier = outpost.token_identifier

    response = admin_client.delete(f"{URL}{outpost.pk}/")

    assert response.status_code == 204
    assert response.content == b""
    assert not Outpost.objects.filter(pk=outpost.pk).exists()
    assert not Token.objects.filter(identifier=identifier).exists()
    assert (
        not get_user_model()
        .objects.filter(username=f"ak-outpost-{outpost.pk.hex}")
        .exists()
    )


def test_create_update_delete_are_audited(admin_client, superuser, make_provider):
    first, second = make_provider(), make_provider()
    body = create(admin_client, first)
    url = f"{URL}{body['pk']}/"

    admin_client.patch(
        url,
        {"name": "edge-2", "providers": [second.pk], "config": {"log_level": "warn"}},
        HTTP_USER_AGENT="pytest-agent",
    )
    admin_client.delete(url)

    created, updated, deleted = Event.objects.filter(
        context__model__pk=body["pk"]
    ).order_by("created")
    assert [created.action, updated.action, deleted.action] == [
        "model_created",
        "model_updated",
        "model_deleted",
    ]
    assert created.user == {"username": superuser.username, "pk": superuser.pk}
    assert created.client_ip == "127.0.0.1"
    assert created.context["model"] == {
        "app": "outposts",
        "model_name": "outpost",
        "pk": body["pk"],
        "name": "edge",
    }
    assert created.context["http_request"]["method"] == "POST"
    assert created.context["http_request"]["user_agent"] == "pytest-agent"
    assert updated.context["diff"] == {
        "name": {"previous_value": "edge", "new_value": "edge-2"},
        "config": {"previous_value": {}, "new_value": {"log_level": "warn"}},
        "providers": {"add": [second.pk], "remove": [first.pk]},
    }
    assert deleted.context["model"]["name"] == "edge-2"


def test_write_that_changes_nothing_records_nothing(admin_client, make_outpost):
    outpost = make_outpost(name="same", config={"a": 1})
    providers = list(outpost.providers.values_list("pk", flat=True))
    before = Event.objects.count()

    response = admin_client.patch(
        f"{URL}{outpost.pk}/",
        {"name": "same", "config": {"a": 1}, "providers": providers},
    )

    assert response.status_code == 200
    assert Event.objects.count() == before


@pytest.mark.parametrize(
    "body", [{"name": ""}, {"providers": [987654]}, {"type": "ldap"}]
)
def test_rejected_write_records_no_event(admin_client, make_outpost, body):
    outpost = make_outpost()
    before = Event.objects.count()

    assert admin_client.patch(f"{URL}{outpost.pk}/", body).status_code == 400
    assert Event.objects.count() == before


def test_delete_removes_permissions_granted_on_the_outpost(
    admin_client, make_outpost, make_user
):
    outpost = make_outpost()
    assign_perm("outposts.view_outpost", make_user(), outpost)
    assign_perm("outposts.change_outpost", Group.objects.create(name="ops"), outpost)

    assert admin_client.delete(f"{URL}{outpost.pk}/").status_code == 204

    assert not UserObjectPermission.objects.filter(object_pk=str(outpost.pk)).exists()
    assert not GroupObjectPermission.objects.filter(object_pk=str(outpost.pk)).exists()
