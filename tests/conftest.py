"""Shared fixtures: users, tokens, providers, outposts and API clients."""

import itertools

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from rest_framework.test import APIClient

from outposts.models import (
    Application,
    LDAPProvider,
    ProxyProvider,
    RACProvider,
    RadiusProvider,
)
from outposts.services.outposts import outpost_create
from outposts.services.tokens import token_issue

pytest_plugins = ["tests.live", "tests.connection_fixtures"]

PROVIDER_KINDS = {
    "proxy": ProxyProvider,
    "ldap": LDAPProvider,
    "radius": RadiusProvider,
    "rac": RACProvider,
}
_counter = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_counter)}"


@pytest.fixture(autouse=True)
def clear_cache():
    """Each test starts with no failed-authentication counters from earlier tests."""
    cache.clear()


@pytest.fixture
def make_user(db):
    def make(username: str | None = None, **fields):
        return get_user_model().objects.create(
            username=username or unique("user"), **fields
        )

    return make


@pytest.fixture
def superuser(make_user):
    return make_user("admin", is_superuser=True, is_staff=True)


@pytest.fixture
def make_token(db):
    def make(user, **kwargs) -> str:
        _, key = token_issue(user=user, identifier=unique("token"), **kwargs)
        return key

    return make


@pytest.fixture
def make_client(make_token):
    """An API client authenticated as `user` with a bearer token."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(user)}")
        return client

    return make


@pytest.fixture
def admin_client(make_client, superuser) -> APIClient:
    return make_client(superuser)


@pytest.fixture
def make_provider(db):
    def make(
        kind: str = "proxy", name: str | None = None, application: str | None = None
    ):
        provider = PROVIDER_KINDS[kind].objects.create(name=name or unique(kind))
        if application:
            Application.objects.create(
                name=application, slug=application, provider=provider
            )
        return provider

    return make


@pytest.fixture
def make_outpost(db, make_provider):
    def make(name: str | None = None, type: str = "proxy", providers=None, **kwargs):
        if providers is None:
            providers = [make_provider(type)]
        return outpost_create(
            name=name or unique("outpost"),
            type=type,
            providers=[provider.pk for provider in providers],
            **kwargs,
        )

    return make
