"""Error bodies: authentication, not found, parsing and media types."""

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from outposts.models import Outpost, Token

URL = "/api/v3/outposts/instances/"
NOT_AUTHENTICATED = {
    "detail": "Authentication credentials were not provided.",
    "code": "not_authenticated",
}
TOKEN_INVALID = {"detail": "Token invalid/expired", "code": "authentication_failed"}


@pytest.fixture
def outpost(make_outpost):
    return make_outpost(name="edge")


def raw_patch(client, outpost, body: bytes, content_type="application/json"):
    return client.generic("PATCH", f"{URL}{outpost.pk}/", body, content_type)


@pytest.mark.parametrize(
    "header",
    [None, "Basic dXNlcjpwYXNz", "Token abc"],
)
def test_missing_credentials_are_403_not_authenticated(db, header):
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get(URL)

    assert response.status_code == 403
    assert response.json() == NOT_AUTHENTICATED


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_bearer_scheme_is_case_insensitive(make_client, superuser, make_token, scheme):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} {make_token(superuser)}")

    assert client.get(URL).status_code == 200


@pytest.mark.parametrize("header", ["Bearer not-a-real-key", "Bearer", "Bearer \x00"])
def test_unknown_token_is_403_authentication_failed(db, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get(URL)

    assert response.status_code == 403
    assert response.json() == TOKEN_INVALID


def test_expired_token_is_rejected(superuser, make_token):
    key = make_token(superuser, expires_in=timedelta(seconds=-1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    response = client.get(URL)

    assert response.status_code == 403
    assert response.json() == TOKEN_INVALID


def test_token_expiring_later_is_accepted(superuser, make_token):
    key = make_token(superuser, expires_in=timedelta(minutes=5))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    assert client.get(URL).status_code == 200


def test_expiring_token_without_a_date_is_rejected(superuser, make_token):
    key = make_token(superuser)
    Token.objects.filter(user=superuser).update(expiring=True, expires=None)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    response = client.get(URL)

    assert response.status_code == 403
    assert response.json() == TOKEN_INVALID


def test_token_of_inactive_user_is_rejected(make_user, make_client):
    user = make_user(is_superuser=True)
    client = make_client(user)
    user.is_active = False
    user.save()

    response = client.get(URL)

    assert response.status_code == 403
    assert response.json() == TOKEN_INVALID


def test_non_api_token_is_rejected(superuser):
    from outposts.models import Token
    from outposts.services.tokens import token_issue

    token, key = token_issue(user=superuser, identifier="recovery")
    Token.objects.filter(pk=token.pk).update(intent="recovery")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    assert client.get(URL).json() == TOKEN_INVALID


@pytest.mark.parametrize("method", ["get", "patch", "put", "delete"])
def test_unknown_outpost_is_404(admin_client, method):
    response = getattr(admin_client, method)(
        f"{URL}00000000-0000-4000-8000-000000000000/",
        {"name": "renamed", "type": "proxy", "providers": []},
        format="json",
    )

    assert response.status_code == 404
    assert response.json() == {
        "detail": "No Outpost matches the given query.",
        "code": "not_found",
    }


@pytest.mark.parametrize("method", ["get", "patch", "put", "delete"])
def test_malformed_uuid_is_404_not_found(admin_client, method):
    response = getattr(admin_client, method)(f"{URL}not-a-uuid/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


@pytest.mark.parametrize("page", ["99", "abc"])
def test_page_past_the_end_is_404_invalid_page(admin_client, page):
    response = admin_client.get(URL, {"page": page})

    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page.", "code": "not_found"}


def test_wrong_method_is_405(admin_client):
    response = admin_client.patch(URL, {})

    assert response.status_code == 405
    assert response.json() == {
        "detail": 'Method "PATCH" not allowed.',
        "code": "method_not_allowed",
    }


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ],
)
def test_non_json_body_is_415(admin_client, outpost, content_type):
    response = raw_patch(admin_client, outpost, b"name=x", content_type)

    assert response.status_code == 415
    assert response.json() == {
        "detail": f'Unsupported media type "{content_type}" in request.',
        "code": "unsupported_media_type",
    }
    outpost.refresh_from_db()
    assert outpost.name == "edge"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"name": ', "Expecting value"),
        (b'{"name": "a", "name": "b"}', "Duplicate key 'name'"),
        (b'{"config": {"a": 1, "a": 2}}', "Duplicate key 'a'"),
        (b'{"name": NaN}', "NaN is not valid JSON"),
        (b'{"name": "\xff"}', "Invalid UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "Document nested too deeply"),
    ],
)
def test_malformed_json_is_400_parse_error(admin_client, outpost, body, reason):
    response = raw_patch(admin_client, outpost, body)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "parse_error"
    assert body["detail"].startswith("JSON parse error - ")
    assert reason in body["detail"]
    outpost.refresh_from_db()
    assert outpost.name == "edge"


def test_body_that_is_not_an_object_is_400(admin_client, outpost):
    response = raw_patch(admin_client, outpost, b"[1, 2]")

    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got list."],
        "code": "invalid",
    }


def test_empty_body_on_patch_changes_nothing(admin_client, outpost):
    response = raw_patch(admin_client, outpost, b"")

    assert response.status_code == 200
    assert Outpost.objects.get(pk=outpost.pk).name == "edge"


def test_value_too_large_for_the_database_is_400(db):
    import secrets

    from django.db import OperationalError, transaction

    from outposts.api.errors import exception_handler

    huge = secrets.token_hex(50_000)
    with pytest.raises(OperationalError) as raised, transaction.atomic():
        Outpost.objects.create(name=huge)

    response = exception_handler(raised.value, {})

    assert response.status_code == 400
    assert response.data == {
        "non_field_errors": ["A value is too large to be stored."],
        "code": "invalid",
    }


def test_long_service_connection_name_is_400(admin_client):
    response = admin_client.post(
        "/api/v3/outposts/service_connections/docker/",
        {"name": "n" * 100_000, "url": "unix:///var/run/docker.sock"},
    )

    assert response.status_code == 400
    assert response.json() == {
        "name": ["Ensure this field has no more than 255 characters."],
        "code": "invalid",
    }
