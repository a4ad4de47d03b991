"""The admin: every page renders, and writes have the API's side effects."""

import json
import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from outposts.models import (
    Application,
    CertificateKeyPair,
    DockerServiceConnection,
    Event,
    EventAction,
    Flow,
    KubernetesServiceConnection,
    LDAPProvider,
    Outpost,
    PropertyMapping,
    ProxyProvider,
    RACProvider,
    RadiusProvider,
    Token,
)
from outposts.models.tokens import hash_key
from outposts.services.events import event_record
from outposts.services.outposts import outpost_create
from outposts.services.tokens import token_issue
from tests.admin_pages import admin_url, form_errors
from tests.conftest import unique

User = get_user_model()
REGISTERED = sorted(
    (model for model in apps.get_models() if admin.site.is_registered(model)),
    key=lambda model: model._meta.label,
)
# The audit log is read-only: it has no add page.
ADDABLE = [model for model in REGISTERED if model is not Event]
PRIVATE_KEY = (
    "-----BEGIN PRIVATE KEY-----\nNEVER-SHOWN-KEY-MATERIAL\n-----END PRIVATE KEY-----"
)


def make_outpost_row() -> Outpost:
    provider = ProxyProvider.objects.create(name=unique("proxy"))
    return outpost_create(name=unique("outpost"), providers=[provider.pk])


# One way to make a row of every model the admin shows.
FACTORIES = {
    User: lambda: User.objects.create(username=unique("user")),
    Group: lambda: Group.objects.create(name=unique("group")),
    Outpost: make_outpost_row,
    ProxyProvider: lambda: ProxyProvider.objects.create(name=unique("proxy")),
    LDAPProvider: lambda: LDAPProvider.objects.create(name=unique("ldap")),
    RadiusProvider: lambda: RadiusProvider.objects.create(name=unique("radius")),
    RACProvider: lambda: RACProvider.objects.create(name=unique("rac")),
    Application: lambda: Application.objects.create(
        name=unique("app"), slug=unique("app")
    ),
    Flow: lambda: Flow.objects.create(name=unique("flow"), slug=unique("flow")),
    PropertyMapping: lambda: PropertyMapping.objects.create(name=unique("mapping")),
    CertificateKeyPair: lambda: CertificateKeyPair.objects.create(
        name=unique("cert"), certificate_data="cert", key_data=PRIVATE_KEY
    ),
    DockerServiceConnection: lambda: DockerServiceConnection.objects.create(
        name=unique("docker"), url="unix:///var/run/docker.sock"
    ),
    KubernetesServiceConnection: lambda: KubernetesServiceConnection.objects.create(
        name=unique("k8s")
    ),
    Token: lambda: token_issue(
        user=User.objects.create(username=unique("user")), identifier=unique("token")
    )[0],
    Event: lambda: event_record(EventAction.MODEL_CREATED, make_outpost_row()),
}


def valid_add_data(model) -> dict:
    """A POST body that the add page of `model` accepts."""
    name = unique(model._meta.model_name)
    if model is User:
        return {
            "username": name,
            "usable_password": "true",
            "password1": "a-long-Password-1",
            "password2": "a-long-Password-1",
        }
    if model is Group:
        return {"name": name}
    if model is Outpost:
        provider = ProxyProvider.objects.create(name=unique("proxy"))
        return {"name": name, "type": "proxy", "providers": [provider.pk]}
    if model in (ProxyProvider, LDAPProvider, RadiusProvider, RACProvider):
        defaults = {
            LDAPProvider: {"base_dn": "DC=example,DC=org"},
            RadiusProvider: {"client_networks": "10.0.0.0/8"},
            RACProvider: {"connection_expiry": "hours=1"},
        }
        return {"name": name, **defaults.get(model, {})}
    if model in (Application, Flow):
        return {"name": name, "slug": name}
    if model is PropertyMapping:
        return {"name": name}
    if model is CertificateKeyPair:
        return {"name": name, "certificate_data": "cert", "key_data": PRIVATE_KEY}
    if model is DockerServiceConnection:
        return {"name": name, "url": "unix:///var/run/docker.sock"}
    if model is KubernetesServiceConnection:
        return {"name": name, "kubeconfig": "{}", "verify_ssl": "on"}
    if model is Token:
        user = User.objects.create(username=unique("user"))
        return {"identifier": name, "user": user.pk, "description": ""}
    raise AssertionError(f"no add data for {model}")


def label(model) -> str:
    return model._meta.model_name


@pytest.fixture
def staff_client(client, superuser):
    client.force_login(superuser)
    return client


def test_every_model_with_a_page_has_a_factory():
    assert set(REGISTERED) == set(FACTORIES)


@pytest.mark.parametrize("model", REGISTERED, ids=label)
def test_changelist_renders(staff_client, model):
    FACTORIES[model]()

    response = staff_client.get(admin_url(model, "changelist"))

    assert response.status_code == 200


@pytest.mark.parametrize("model", ADDABLE, ids=label)
def test_add_page_renders(staff_client, model):
    response = staff_client.get(admin_url(model, "add"))

    assert response.status_code == 200


@pytest.mark.parametrize("model", REGISTERED, ids=label)
def test_change_page_renders(staff_client, model):
    obj = FACTORIES[model]()

    response = staff_client.get(admin_url(model, "change", obj.pk))

    assert response.status_code == 200


@pytest.mark.parametrize("model", ADDABLE, ids=label)
def test_add_page_saves_a_valid_form(staff_client, model):
    before = model.objects.count()

    response = staff_client.post(admin_url(model, "add"), valid_add_data(model))

    assert response.status_code == 302, form_errors(response)
    assert model.objects.count() == before + 1


def test_event_log_is_read_only(staff_client):
    event = FACTORIES[Event]()

    assert staff_client.get(admin_url(Event, "add")).status_code == 403
    assert staff_client.get(admin_url(Event, "delete", event.pk)).status_code == 403
    change = staff_client.post(admin_url(Event, "change", event.pk), {"action": "x"})
    assert change.status_code == 403
    event.refresh_from_db()
    assert event.action == EventAction.MODEL_CREATED


def test_token_key_is_shown_once_and_only_its_hash_is_stored(staff_client, superuser):
    response = staff_client.post(
        admin_url(Token, "add"),
        {"identifier": "ci", "user": superuser.pk, "description": "for CI"},
        follow=True,
    )

    shown = [str(m) for m in response.context["messages"]]
    keys = [
        match.group(1)
        for message in shown
        if (
            match := re.fullmatch(
                r"The key of token ci is shown only this once: (\S+)", message
            )
        )
    ]
    assert len(keys) == 1, shown
    key = keys[0]
    token = Token.objects.get(identifier="ci")
    assert token.key_hash == hash_key(key)
    assert key not in json.dumps(
        list(Token.objects.filter(pk=token.pk).values()), default=str
    )
    assert (token.intent, token.expiring, token.description) == ("api", False, "for CI")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/v3/outposts/instances/").status_code == 200
    for url in (admin_url(Token, "changelist"), admin_url(Token, "change", token.pk)):
        assert key not in staff_client.get(url).content.decode()


def test_token_add_form_keeps_the_expiry_asked_for(staff_client, superuser):
    response = staff_client.post(
        admin_url(Token, "add"),
        {
            "identifier": "short",
            "user": superuser.pk,
            "expiring": "on",
            "expires_0": "2999-01-02",
            "expires_1": "03:04:05",
        },
    )

    assert response.status_code == 302, form_errors(response)
    token = Token.objects.get(identifier="short")
    assert token.expiring
    assert token.expires.isoformat() == "2999-01-02T03:04:05+00:00"


def test_token_add_form_rejects_a_past_expiry(staff_client, superuser):
    response = staff_client.post(
        admin_url(Token, "add"),
        {
            "identifier": "stale",
            "user": superuser.pk,
            "expiring": "on",
            "expires_0": "2000-01-02",
            "expires_1": "03:04:05",
        },
    )

    assert response.status_code == 200
    assert form_errors(response) == {
        "expires": ["The expiry date must be in the future."]
    }
    assert not Token.objects.filter(identifier="stale").exists()


def test_private_key_is_never_sent_to_the_browser(staff_client):
    pair = FACTORIES[CertificateKeyPair]()
    change = admin_url(CertificateKeyPair, "change", pair.pk)

    pages = [
        staff_client.get(admin_url(CertificateKeyPair, "changelist")),
        staff_client.get(change),
    ]
    keep = staff_client.post(
        change, {"name": pair.name, "certificate_data": "cert", "key_data": ""}
    )

    assert all("NEVER-SHOWN-KEY-MATERIAL" not in p.content.decode() for p in pages)
    assert keep.status_code == 302, form_errors(keep)
    pair.refresh_from_db()
    assert pair.key_data == PRIVATE_KEY


def test_private_key_can_be_removed(staff_client):
    pair = FACTORIES[CertificateKeyPair]()

    response = staff_client.post(
        admin_url(CertificateKeyPair, "change", pair.pk),
        {"name": pair.name, "certificate_data": "cert", "remove_key": "on"},
    )

    assert response.status_code == 302, form_errors(response)
    pair.refresh_from_db()
    assert pair.key_data == ""


def test_service_connection_change_is_saved(staff_client):
    docker = FACTORIES[DockerServiceConnection]()

    response = staff_client.post(
        admin_url(DockerServiceConnection, "change", docker.pk),
        {"name": docker.name, "url": "https://docker.example.org:2376"},
    )

    assert response.status_code == 302, form_errors(response)
    docker.refresh_from_db()
    assert (docker.url, docker.local) == ("https://docker.example.org:2376", False)


def test_service_connection_delete_leaves_outposts_without_one(
    staff_client, make_outpost
):
    docker = FACTORIES[DockerServiceConnection]()
    outpost = make_outpost(service_connection=docker)

    response = staff_client.post(
        admin_url(DockerServiceConnection, "delete", docker.pk), {"post": "yes"}
    )

    assert response.status_code == 302
    outpost.refresh_from_db()
    assert outpost.service_connection is None
    event = Event.objects.get(
        action=EventAction.MODEL_UPDATED, context__model__pk=str(outpost.pk)
    )
    assert event.context["diff"] == {
        "service_connection": {"previous_value": str(docker.pk), "new_value": None}
    }


@pytest.mark.parametrize(
    ("kubeconfig", "message"),
    [
        ("[]", "Value must be a dictionary, and not have any duplicate keys."),
        ('{"a": NaN}', "Enter a valid JSON."),
        ('{"a": "\\u0000"}', "Null characters are not allowed."),
    ],
)
def test_kubernetes_connection_rejects_invalid_kubeconfig(
    staff_client, kubeconfig, message
):
    response = staff_client.post(
        admin_url(KubernetesServiceConnection, "add"),
        {"name": "cluster", "kubeconfig": kubeconfig, "verify_ssl": "on"},
    )

    assert response.status_code == 200
    assert form_errors(response) == {"kubeconfig": [message]}
    assert not KubernetesServiceConnection.objects.exists()
