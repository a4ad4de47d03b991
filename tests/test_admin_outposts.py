"""The outposts admin: its list, its form's rules, and the services behind it."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import get_perms

from outposts.models import Event, EventAction, Outpost, ProxyProvider, Token
from outposts.services.outposts import embedded_outpost_ensure
from tests.admin_pages import admin_url, form_errors

User = get_user_model()


def outpost_form_data(outpost: Outpost, **overrides) -> dict:
    """The change form of `outpost` as the browser would send it unchanged."""
    data = {
        "name": outpost.name,
        "type": outpost.type,
        "service_connection": outpost.service_connection_id or "",
        "providers": [provider.pk for provider in outpost.providers.all()],
        "config": json.dumps(outpost.config),
        "managed": outpost.managed or "",
    }
    data.update(overrides)
    return data


def provider_ids(outpost: Outpost) -> list[int]:
    return sorted(outpost.providers.values_list("pk", flat=True))


@pytest.fixture
def staff_client(client, superuser):
    client.force_login(superuser)
    return client


def test_outpost_changelist_queries_do_not_grow_with_rows(
    staff_client, make_outpost, make_provider, django_assert_num_queries
):
    make_outpost()
    url = admin_url(Outpost, "changelist")
    with CaptureQueriesContext(connection) as one_row:
        staff_client.get(url)
    for _ in range(4):
        make_outpost(providers=[make_provider("proxy"), make_provider("proxy")])

    with django_assert_num_queries(len(one_row.captured_queries)):
        response = staff_client.get(url)

    assert len(response.context["cl"].result_list) == 6  # the embedded one too


def test_outpost_changelist_searches_provider_names_and_counts_all_providers(
    staff_client, make_outpost, make_provider
):
    wanted = make_provider("proxy", name="needle-provider")
    outpost = make_outpost(providers=[wanted, make_provider("proxy")])
    make_outpost()

    response = staff_client.get(admin_url(Outpost, "changelist"), {"q": "needle"})

    rows = list(response.context["cl"].result_list)
    assert [row.pk for row in rows] == [outpost.pk]
    assert rows[0].provider_count == 2


def test_outpost_changelist_filters_by_type(staff_client, make_outpost):
    ldap = make_outpost(type="ldap")
    make_outpost(type="proxy")

    response = staff_client.get(admin_url(Outpost, "changelist"), {"type": "ldap"})

    assert [row.pk for row in response.context["cl"].result_list] == [ldap.pk]


def test_outpost_add_form_creates_outpost_with_service_account_and_event(
    staff_client, superuser, make_provider
):
    provider = make_provider("proxy")

    response = staff_client.post(
        admin_url(Outpost, "add"),
        {
            "name": "edge",
            "type": "proxy",
            "providers": [provider.pk],
            "config": json.dumps({"log_level": "debug"}),
            "managed": "",
        },
    )

    assert response.status_code == 302, form_errors(response)
    outpost = Outpost.objects.get(name="edge")
    assert provider_ids(outpost) == [provider.pk]
    assert outpost.config == {"log_level": "debug"}
    assert outpost.managed is None
    account = User.objects.get(username=outpost.service_account_username)
    assert not account.has_usable_password()
    token = Token.objects.get(identifier=outpost.token_identifier)
    assert (token.user, token.intent, token.expiring) == (account, "api", False)
    assert get_perms(account, outpost) == ["view_outpost"]
    assert get_perms(account, provider.provider_ptr) == ["view_provider"]
    events = Event.objects.filter(context__model__pk=str(outpost.pk))
    assert [(e.action, e.user["username"]) for e in events] == [
        ("model_created", superuser.username)
    ]


def test_outpost_change_of_providers_records_one_event_with_the_diff(
    staff_client, make_outpost, make_provider
):
    kept, dropped, added = (make_provider("proxy") for _ in range(3))
    outpost = make_outpost(providers=[kept, dropped])
    account = User.objects.get(username=outpost.service_account_username)

    response = staff_client.post(
        admin_url(Outpost, "change", outpost.pk),
        outpost_form_data(outpost, providers=[kept.pk, added.pk]),
    )

    assert response.status_code == 302, form_errors(response)
    assert provider_ids(outpost) == sorted([kept.pk, added.pk])
    updates = Event.objects.filter(
        action=EventAction.MODEL_UPDATED, context__model__pk=str(outpost.pk)
    )
    assert [event.context["diff"] for event in updates] == [
        {"providers": {"add": [added.pk], "remove": [dropped.pk]}}
    ]
    assert get_perms(account, added.provider_ptr) == ["view_provider"]
    assert get_perms(account, dropped.provider_ptr) == []


def test_outpost_change_records_field_diff(staff_client, make_outpost):
    outpost = make_outpost(config={"log_level": "info"})

    response = staff_client.post(
        admin_url(Outpost, "change", outpost.pk),
        outpost_form_data(outpost, name="renamed", config='{"log_level": "debug"}'),
    )

    assert response.status_code == 302, form_errors(response)
    event = Event.objects.get(
        action=EventAction.MODEL_UPDATED, context__model__pk=str(outpost.pk)
    )
    assert event.context["diff"] == {
        "name": {"previous_value": outpost.name, "new_value": "renamed"},
        "config": {
            "previous_value": {"log_level": "info"},
            "new_value": {"log_level": "debug"},
        },
    }


def test_outpost_save_without_changes_records_nothing(staff_client, make_outpost):
    outpost = make_outpost()

    response = staff_client.post(
        admin_url(Outpost, "change", outpost.pk), outpost_form_data(outpost)
    )

    assert response.status_code == 302, form_errors(response)
    assert not Event.objects.filter(action=EventAction.MODEL_UPDATED).exists()


def test_outpost_form_rejects_incompatible_provider_and_changes_nothing(
    staff_client, make_outpost, make_provider
):
    proxy = make_provider("proxy")
    outpost = make_outpost(providers=[proxy])
    ldap = make_provider("ldap")

    response = staff_client.post(
        admin_url(Outpost, "change", outpost.pk),
        outpost_form_data(outpost, providers=[proxy.pk, ldap.pk]),
    )

    assert response.status_code == 200
    assert form_errors(response) == {
        "providers": ["Outpost type proxy can't be used with LDAPProvider providers."]
    }
    assert provider_ids(outpost) == [proxy.pk]
    assert not Event.objects.filter(action=EventAction.MODEL_UPDATED).exists()


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("[]", "Value must be a dictionary, and not have any duplicate keys."),
        ('{"a": 1, "a": 2}', "Enter a valid JSON."),
        ('{"a": NaN}', "Enter a valid JSON."),
        ('{"a": "\\u0000"}', "Null characters are not allowed."),
        ('{"log_level": 1}', "Failed to validate config: log_level must be a string."),
        (
            '{"refresh_interval": "soon"}',
            "soon is not in the correct format of 'hours=3;minutes=1'.",
        ),
    ],
)
def test_outpost_form_rejects_invalid_config(
    staff_client, make_outpost, config, message
):
    outpost = make_outpost(config={"log_level": "info"})

    response = staff_client.post(
        admin_url(Outpost, "change", outpost.pk),
        outpost_form_data(outpost, config=config),
    )

    assert response.status_code == 200
    assert form_errors(response) == {"config": [message]}
    outpost.refresh_from_db()
    assert outpost.config == {"log_level": "info"}


def test_outpost_form_requires_providers(staff_client):
    response = staff_client.post(
        admin_url(Outpost, "add"), {"name": "empty", "type": "proxy"}
    )

    assert response.status_code == 200
    assert form_errors(response) == {"providers": ["This list may not be empty."]}
    assert not Outpost.objects.filter(name="empty").exists()


def test_embedded_outpost_name_is_read_only(staff_client):
    embedded = embedded_outpost_ensure()
    url = admin_url(Outpost, "change", embedded.pk)

    page = staff_client.get(url)
    response = staff_client.post(url, outpost_form_data(embedded, name="renamed"))

    assert "name" not in page.context["adminform"].form.fields
    assert "name" in page.context["adminform"].readonly_fields
    assert response.status_code == 302, form_errors(response)
    embedded.refresh_from_db()
    assert embedded.name == "authentik Embedded Outpost"


def test_outpost_delete_removes_service_account_and_records_event(
    staff_client, make_outpost
):
    outpost = make_outpost()

    response = staff_client.post(
        admin_url(Outpost, "delete", outpost.pk), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Outpost.objects.filter(pk=outpost.pk).exists()
    assert not User.objects.filter(username=outpost.service_account_username).exists()
    assert Event.objects.filter(
        action=EventAction.MODEL_DELETED, context__model__pk=str(outpost.pk)
    ).exists()


def test_provider_delete_detaches_it_with_an_outpost_event(
    staff_client, make_outpost, make_provider
):
    kept, deleted = make_provider("proxy"), make_provider("proxy")
    outpost = make_outpost(providers=[kept, deleted])
    account = User.objects.get(username=outpost.service_account_username)

    response = staff_client.post(
        admin_url(ProxyProvider, "delete", deleted.pk), {"post": "yes"}
    )

    assert response.status_code == 302
    assert provider_ids(outpost) == [kept.pk]
    event = Event.objects.get(
        action=EventAction.MODEL_UPDATED, context__model__pk=str(outpost.pk)
    )
    assert event.context["diff"] == {"providers": {"add": [], "remove": [deleted.pk]}}
    assert set(
        account.userobjectpermission_set.values_list("object_pk", flat=True)
    ) == {
        str(outpost.pk),
        str(kept.pk),
    }


def test_outpost_object_permissions_can_be_granted(staff_client, make_outpost):
    outpost = make_outpost()
    operator = User.objects.create(username="operator")

    page = staff_client.get(admin_url(Outpost, "permissions", outpost.pk))
    response = staff_client.post(
        admin_url(Outpost, "permissions_manage_user", outpost.pk, operator.pk),
        {"permissions": ["change_outpost"]},
    )

    assert page.status_code == 200
    assert response.status_code == 302
    assert get_perms(operator, outpost) == ["change_outpost"]
