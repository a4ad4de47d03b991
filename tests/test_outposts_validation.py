"""Validation of outpost writes: exact messages, all errors at once, nothing changed."""

import pytest

from outposts.models import (
    EMBEDDED_OUTPOST_MANAGED,
    DockerServiceConnection,
    Event,
    Outpost,
)

URL = "/api/v3/outposts/instances/"


def detail_url(outpost) -> str:
    return f"{URL}{outpost.pk}/"


def state(outpost) -> tuple:
    outpost.refresh_from_db()
    providers = sorted(outpost.providers.values_list("pk", flat=True))
    return (
        outpost.name,
        outpost.type,
        outpost.service_connection_id,
        outpost.config,
        outpost.managed,
        providers,
        Event.objects.count(),
    )


@pytest.fixture
def outpost(make_outpost):
    return make_outpost(name="edge", config={"log_level": "debug"})


def test_patch_rejects_ldap_provider_on_proxy_outpost(
    admin_client, outpost, make_provider
):
    ldap = make_provider("ldap")
    before = state(outpost)

    response = admin_client.patch(detail_url(outpost), {"providers": [ldap.pk]})

    assert response.status_code == 400
    assert response.json() == {
        "providers": ["Outpost type proxy can't be used with LDAPProvider providers."],
        "code": "invalid",
    }
    assert state(outpost) == before


def test_patch_of_type_alone_rechecks_attached_providers(admin_client, outpost):
    before = state(outpost)

    response = admin_client.patch(detail_url(outpost), {"type": "radius"})

    assert response.status_code == 400
    assert response.json() == {
        "providers": [
            "Outpost type radius can't be used with ProxyProvider providers."
        ],
        "code": "invalid",
    }
    assert state(outpost) == before


def test_patch_type_and_matching_providers_together(
    admin_client, outpost, make_provider
):
    ldap = make_provider("ldap")

    response = admin_client.patch(
        detail_url(outpost), {"type": "ldap", "providers": [ldap.pk]}
    )

    assert response.status_code == 200, response.json()
    assert response.json()["type"] == "ldap"
    assert response.json()["providers"] == [ldap.pk]


def test_invalid_type_with_providers_reports_only_the_type(
    admin_client, outpost, make_provider
):
    before = state(outpost)

    response = admin_client.patch(
        detail_url(outpost),
        {"type": "nonsense", "providers": [make_provider("ldap").pk]},
    )

    assert response.status_code == 400
    assert response.json() == {
        "type": ['"nonsense" is not a valid choice.'],
        "code": "invalid",
    }
    assert state(outpost) == before


def test_all_errors_of_one_request_are_reported_together(admin_client, outpost):
    before = state(outpost)

    response = admin_client.patch(
        detail_url(outpost),
        {"name": "", "type": "x", "providers": "1", "config": [], "managed": ""},
    )

    assert response.status_code == 400
    assert response.json() == {
        "name": ["This field may not be blank."],
        "type": ['"x" is not a valid choice.'],
        "providers": ['Expected a list of items but got type "str".'],
        "config": ["Value must be a dictionary, and not have any duplicate keys."],
        "managed": ["This field may not be blank."],
        "code": "invalid",
    }
    assert state(outpost) == before


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"name": "a\x00b"}, {"name": ["Null characters are not allowed."]}),
        ({"name": None}, {"name": ["This field may not be null."]}),
        ({"type": 5}, {"type": ['"5" is not a valid choice.']}),
        (
            {"providers": {}},
            {"providers": ['Expected a list of items but got type "dict".']},
        ),
        ({"providers": []}, {"providers": ["This list may not be empty."]}),
        (
            {"providers": [True]},
            {"providers": ["Incorrect type. Expected pk value, received bool."]},
        ),
        (
            {"providers": ["abc"]},
            {"providers": ["Incorrect type. Expected pk value, received str."]},
        ),
        (
            {"providers": [1.5]},
            {"providers": ["Incorrect type. Expected pk value, received float."]},
        ),
        (
            {"providers": [None]},
            {"providers": ["Incorrect type. Expected pk value, received NoneType."]},
        ),
        (
            {"providers": [2**70]},
            {"providers": [f'Invalid pk "{2**70}" - object does not exist.']},
        ),
        (
            {"providers": [-1]},
            {"providers": ['Invalid pk "-1" - object does not exist.']},
        ),
        (
            {"providers": [987654]},
            {"providers": ['Invalid pk "987654" - object does not exist.']},
        ),
        ({"config": None}, {"config": ["This field may not be null."]}),
        (
            {"config": "text"},
            {
                "config": [
                    "Value must be a dictionary, and not have any duplicate keys."
                ]
            },
        ),
        ({"config": {"k\x00": 1}}, {"config": ["Null characters are not allowed."]}),
        (
            {"config": {"k": ["a\x00"]}},
            {"config": ["Null characters are not allowed."]},
        ),
        (
            {"config": {"kubernetes_replicas": True}},
            {
                "config": [
                    "Failed to validate config: kubernetes_replicas must be an integer."
                ]
            },
        ),
        (
            {"config": {"log_level": 3, "docker_labels": {"a": 1}}},
            {
                "config": [
                    "Failed to validate config: log_level must be a string.",
                    "Failed to validate config: docker_labels must be an object of "
                    "strings or null.",
                ]
            },
        ),
        (
            {"config": {"refresh_interval": "every=5"}},
            {
                "config": [
                    "every=5 is not in the correct format of 'hours=3;minutes=1'."
                ]
            },
        ),
        (
            {"service_connection": "not-a-uuid"},
            {"service_connection": ["Must be a valid UUID."]},
        ),
        (
            {"service_connection": "00000000-0000-4000-8000-000000000000"},
            {
                "service_connection": [
                    'Invalid pk "00000000-0000-4000-8000-000000000000" - object does '
                    "not exist."
                ]
            },
        ),
        ({"service_connection": 5}, {"service_connection": ["Must be a valid UUID."]}),
        ({"managed": ["x"]}, {"managed": ["Not a valid string."]}),
    ],
)
def test_patch_rejects_bad_values(admin_client, outpost, body, errors):
    before = state(outpost)

    response = admin_client.patch(detail_url(outpost), body)

    assert response.status_code == 400
    assert response.json() == {**errors, "code": "invalid"}
    assert state(outpost) == before


def test_duplicate_name_and_managed_are_rejected(admin_client, outpost, make_outpost):
    make_outpost(name="taken", managed="ops/taken")
    before = state(outpost)

    response = admin_client.patch(
        detail_url(outpost), {"name": "taken", "managed": "ops/taken"}
    )

    assert response.status_code == 400
    assert response.json() == {
        "name": ["Outpost with this name already exists."],
        "managed": ["Outpost with this Managed by authentik already exists."],
        "code": "invalid",
    }
    assert state(outpost) == before


def test_two_outposts_may_both_be_unmanaged(admin_client, outpost, make_outpost):
    other = make_outpost()

    response = admin_client.patch(detail_url(other), {"managed": None})

    assert response.status_code == 200
    assert outpost.managed is None


def test_empty_patch_changes_nothing(admin_client, outpost):
    before = state(outpost)

    response = admin_client.patch(detail_url(outpost), {})

    assert response.status_code == 200
    assert state(outpost) == before


def test_unknown_fields_are_ignored(admin_client, outpost):
    response = admin_client.patch(detail_url(outpost), {"color": "blue", "name": "n2"})

    assert response.status_code == 200
    assert "color" not in response.json()
    assert response.json()["name"] == "n2"


def test_put_requires_the_full_body(admin_client, outpost):
    before = state(outpost)

    response = admin_client.put(detail_url(outpost), {})

    assert response.status_code == 400
    assert response.json() == {
        "name": ["This field is required."],
        "type": ["This field is required."],
        "providers": ["This field is required."],
        "config": ["This field is required."],
        "code": "invalid",
    }
    assert state(outpost) == before


def test_put_keeps_omitted_service_connection_and_managed(admin_client, make_outpost):
    connection = DockerServiceConnection.objects.create(name="d", url="unix:///x.sock")
    outpost = make_outpost(service_connection=connection, managed="ops/one")
    providers = list(outpost.providers.values_list("pk", flat=True))

    response = admin_client.put(
        detail_url(outpost),
        {"name": "renamed", "type": "proxy", "providers": providers, "config": {}},
    )

    assert response.status_code == 200, response.json()
    outpost.refresh_from_db()
    assert (outpost.name, outpost.service_connection_id, outpost.managed) == (
        "renamed",
        connection.pk,
        "ops/one",
    )


def test_create_rejects_missing_and_mismatched(admin_client, make_provider):
    response = admin_client.post(
        URL,
        {"name": "new", "type": "ldap", "providers": [make_provider("proxy").pk]},
    )

    assert response.status_code == 400
    assert response.json() == {
        "config": ["This field is required."],
        "providers": ["Outpost type ldap can't be used with ProxyProvider providers."],
        "code": "invalid",
    }
    assert not Outpost.objects.filter(name="new").exists()


class TestEmbeddedOutpost:
    @pytest.fixture
    def embedded(self, db):
        return Outpost.objects.get(managed=EMBEDDED_OUTPOST_MANAGED)

    def test_name_cannot_change(self, admin_client, embedded):
        before = state(embedded)

        response = admin_client.patch(detail_url(embedded), {"name": "other"})

        assert response.status_code == 400
        assert response.json() == {
            "name": ["Embedded outpost's name cannot be changed"],
            "code": "invalid",
        }
        assert state(embedded) == before

    def test_managed_cannot_change(self, admin_client, embedded):
        response = admin_client.patch(detail_url(embedded), {"managed": "x"})

        assert response.status_code == 400
        assert response.json() == {
            "managed": ["Embedded outpost's managed value cannot be changed"],
            "code": "invalid",
        }

    def test_may_have_no_providers(self, admin_client, embedded, make_provider):
        admin_client.patch(detail_url(embedded), {"providers": [make_provider().pk]})

        response = admin_client.patch(detail_url(embedded), {"providers": []})

        assert response.status_code == 200
        assert response.json()["providers"] == []

    def test_write_with_name_to_unmanaged_namesake_adopts_it(
        self, admin_client, embedded, make_outpost
    ):
        embedded.delete()
        namesake = make_outpost(name="authentik Embedded Outpost")

        response = admin_client.patch(
            detail_url(namesake), {"name": "renamed", "config": {"log_level": "warn"}}
        )

        assert response.status_code == 200, response.json()
        body = response.json()
        assert body["managed"] == EMBEDDED_OUTPOST_MANAGED
        assert body["name"] == "renamed"
        assert body["config"] == {"log_level": "warn"}


def test_taken_name_is_reported_with_other_errors(admin_client, outpost, make_outpost):
    make_outpost(name="taken")
    before = state(outpost)

    response = admin_client.patch(detail_url(outpost), {"name": "taken", "type": "x"})

    assert response.status_code == 400
    assert response.json() == {
        "type": ['"x" is not a valid choice.'],
        "name": ["Outpost with this name already exists."],
        "code": "invalid",
    }
    assert state(outpost) == before


def test_create_with_taken_name_is_400(admin_client, make_outpost, make_provider):
    make_outpost(name="taken")
    body = {"name": "taken", "type": "proxy", "providers": [make_provider().pk]}

    response = admin_client.post(URL, {**body, "config": {}})

    assert response.status_code == 400
    assert response.json() == {
        "name": ["Outpost with this name already exists."],
        "code": "invalid",
    }
    assert Outpost.objects.filter(name="taken").count() == 1


def test_lost_unique_race_names_the_field_from_the_constraint(make_outpost):
    from django.db import IntegrityError, transaction
    from rest_framework.exceptions import ValidationError

    from outposts.api.serializers.outposts import OutpostSerializer
    from outposts.api.writes import raise_unique_violation

    make_outpost(name="taken", managed="ops/taken")
    writer = make_outpost(name="writer")
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        Outpost.objects.filter(pk=writer.pk).update(managed="ops/taken")
    # By the time the error is reported, the value may be free again: the
    # constraint, not a second look, says which field lost.
    Outpost.objects.filter(name="taken").delete()
    serializer = OutpostSerializer(writer, data={"managed": "ops/taken"}, partial=True)

    with pytest.raises(ValidationError) as reported:
        raise_unique_violation(serializer, raised.value)

    assert reported.value.detail == {
        "managed": ["Outpost with this Managed by authentik already exists."]
    }
