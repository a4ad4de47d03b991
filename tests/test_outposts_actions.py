"""The extra actions of an outpost: default_settings, used_by and health."""

import pytest
from guardian.shortcuts import assign_perm

from outposts.config import CONFIG_KEYS
from outposts.models import Provider

URL = "/api/v3/outposts/instances/"


def test_default_settings_lists_every_default(admin_client):
    response = admin_client.get(f"{URL}default_settings/")

    assert response.status_code == 200
    config = response.json()["config"]
    assert list(config) == list(CONFIG_KEYS)
    assert config["authentik_host"] == "http://testserver/"
    assert config["refresh_interval"] == "minutes=5"
    assert config["kubernetes_replicas"] == 1
    assert config["docker_labels"] is None
    assert config["kubernetes_httproute_parent_refs"] == []


def test_default_settings_uses_the_request_host(admin_client):
    response = admin_client.get(
        f"{URL}default_settings/", HTTP_HOST="localhost:9000", secure=True
    )

    assert response.json()["config"]["authentik_host"] == "https://localhost:9000/"


def test_used_by_lists_attached_providers(admin_client, make_outpost, make_provider):
    first, second = make_provider(name="first"), make_provider(name="second")
    outpost = make_outpost(providers=[second, first])

    response = admin_client.get(f"{URL}{outpost.pk}/used_by/")

    assert response.status_code == 200
    assert response.json() == [
        {
            "app": "outposts",
            "model_name": "proxyprovider",
            "pk": str(provider.pk),
            "name": provider.name,
            "action": "cascade_many",
        }
        for provider in (first, second)
    ]


def test_used_by_hides_what_the_caller_cannot_view(
    make_user, make_client, make_outpost, make_provider
):
    shown, hidden = make_provider(name="shown"), make_provider(name="hidden")
    outpost = make_outpost(providers=[shown, hidden])
    user = make_user()
    assign_perm("outposts.view_outpost", user, outpost)
    assign_perm("outposts.view_provider", user, Provider.objects.get(pk=shown.pk))

    response = make_client(user).get(f"{URL}{outpost.pk}/used_by/")

    assert [entry["name"] for entry in response.json()] == ["shown"]


def test_health_is_empty_without_agents(admin_client, make_outpost):
    outpost = make_outpost()

    response = admin_client.get(f"{URL}{outpost.pk}/health/")

    assert response.status_code == 200
    assert response.json() == []


def test_health_of_unknown_outpost_is_404(admin_client, db):
    response = admin_client.get(f"{URL}00000000-0000-4000-8000-000000000000/health/")

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("interval", "seconds"),
    [
        ("minutes=5", 300),
        ("hours=1;minutes=1", 3660),
        ("seconds=2.5", 2),
        ("days=1", 86400),
    ],
)
def test_refresh_interval_in_seconds(admin_client, make_outpost, interval, seconds):
    outpost = make_outpost(config={"refresh_interval": interval})

    response = admin_client.get(f"{URL}{outpost.pk}/")

    assert response.json()["refresh_interval_s"] == seconds
