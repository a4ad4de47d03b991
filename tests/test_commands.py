"""The management commands an operator runs: bootstrap, create_token, outpost_token."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from outposts.models import Event, Token, TokenIntent
from outposts.models.tokens import hash_key
from outposts.services.outposts import outpost_token_rotate

User = get_user_model()
LIST_URL = "/api/v3/outposts/instances/"
INVALID_TOKEN = {"detail": "Token invalid/expired", "code": "authentication_failed"}


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def last_line(output: str) -> str:
    return output.rstrip("\n").splitlines()[-1]


def bearer(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def database_state() -> dict:
    """Everything bootstrap may touch, as comparable values."""
    return {
        "users": list(
            User.objects.order_by("pk").values(
                "pk", "username", "password", "is_superuser", "is_staff", "is_active"
            )
        ),
        "tokens": list(
            Token.objects.order_by("pk").values(
                "pk", "identifier", "key_hash", "user", "expiring", "expires"
            )
        ),
        "events": Event.objects.count(),
    }


@pytest.fixture
def bootstrap_settings(db, settings):
    settings.BOOTSTRAP_PASSWORD = "a-bootstrap-Password"
    settings.BOOTSTRAP_TOKEN = "bootstrap-token-key-for-tests"
    return settings


def test_bootstrap_creates_admin_and_token(bootstrap_settings):
    run("bootstrap")

    admin = User.objects.get(username="akadmin")
    assert admin.is_superuser and admin.is_staff and admin.is_active
    assert admin.check_password("a-bootstrap-Password")
    token = Token.objects.get(key_hash=hash_key("bootstrap-token-key-for-tests"))
    assert (token.user, token.intent, token.expiring) == (admin, TokenIntent.API, False)


def test_bootstrap_twice_with_the_same_values_changes_nothing(bootstrap_settings):
    run("bootstrap")
    first = database_state()

    output = run("bootstrap")

    assert database_state() == first
    assert output == ""


def test_bootstrap_token_authenticates_against_the_api(bootstrap_settings):
    run("bootstrap")

    response = bearer("bootstrap-token-key-for-tests").get(LIST_URL)

    assert response.status_code == 200
    assert response.json()["pagination"]["count"] == 1  # the embedded outpost


def test_bootstrap_with_a_new_token_value_replaces_the_old_key(bootstrap_settings):
    run("bootstrap")
    bootstrap_settings.BOOTSTRAP_TOKEN = "the-next-bootstrap-token-key"

    run("bootstrap")

    assert bearer("the-next-bootstrap-token-key").get(LIST_URL).status_code == 200
    old = bearer("bootstrap-token-key-for-tests").get(LIST_URL)
    assert (old.status_code, old.json()) == (403, INVALID_TOKEN)


def test_create_token_prints_key_for_a_new_passwordless_user(db):
    output = run("create_token", "ci-bot")

    key = last_line(output)
    user = User.objects.get(username="ci-bot")
    assert not user.has_usable_password()
    assert not (user.is_staff or user.is_superuser)
    token = Token.objects.get(user=user)
    assert token.key_hash == hash_key(key)
    assert (token.intent, token.expiring) == (TokenIntent.API, False)
    user.user_permissions.add(Permission.objects.get(codename="view_outpost"))
    assert bearer(key).get(LIST_URL).status_code == 200


def test_create_token_uses_the_given_key_for_an_existing_user(make_user):
    user = make_user("existing")

    output = run("create_token", "existing", "--key", "my-chosen-key-123")

    assert last_line(output) == "my-chosen-key-123"
    assert Token.objects.get(key_hash=hash_key("my-chosen-key-123")).user == user
    assert User.objects.filter(username="existing").count() == 1


def test_create_token_honours_expires_in(db):
    before = timezone.now()

    run("create_token", "short-lived", "--expires-in", "3600")

    token = Token.objects.get(user__username="short-lived")
    assert token.expiring
    assert before + timedelta(seconds=3600) <= token.expires
    assert token.expires <= timezone.now() + timedelta(seconds=3600)


def test_expired_token_is_rejected(db):
    key = last_line(run("create_token", "expiring", "--expires-in", "60"))
    Token.objects.filter(user__username="expiring").update(
        expires=timezone.now() - timedelta(seconds=1)
    )

    response = bearer(key).get(LIST_URL)

    assert (response.status_code, response.json()) == (403, INVALID_TOKEN)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--key", " "], "--key must not be empty."),
        (["--expires-in", "0"], "--expires-in must be a positive number of seconds."),
        (["--key", "taken-key"], "A token with this key already exists."),
    ],
)
def test_create_token_rejects_bad_arguments(make_user, make_token, args, message):
    make_token(make_user("holder"), key="taken-key")
    tokens = Token.objects.count()

    with pytest.raises(CommandError, match=message):
        run("create_token", "someone", *args)

    assert Token.objects.count() == tokens
    assert not User.objects.filter(username="someone").exists()


@pytest.mark.parametrize("lookup", ["uuid", "name"])
def test_outpost_token_rotates_the_key(make_outpost, lookup):
    outpost = make_outpost()
    old_key = outpost_token_rotate(outpost)
    argument = str(outpost.pk) if lookup == "uuid" else outpost.name

    new_key = last_line(run("outpost_token", argument))

    response = bearer(new_key).get(LIST_URL)
    assert response.status_code == 200
    assert [row["pk"] for row in response.json()["results"]] == [str(outpost.pk)]
    token = Token.objects.get(key_hash=hash_key(new_key))
    assert token.user.username == outpost.service_account_username
    old = bearer(old_key).get(LIST_URL)
    assert (old.status_code, old.json()) == (403, INVALID_TOKEN)


def test_outpost_token_refuses_an_unknown_outpost(db):
    with pytest.raises(CommandError, match="No outpost matches 'nowhere'."):
        run("outpost_token", "nowhere")
