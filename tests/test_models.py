"""The data model's own guarantees, enforced by the database."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import IntegrityError, transaction

from outposts.models import (
    EMBEDDED_OUTPOST_MANAGED,
    EMBEDDED_OUTPOST_NAME,
    CertificateKeyPair,
    DockerServiceConnection,
    Outpost,
    OutpostType,
    PropertyMapping,
    Provider,
    Token,
    TokenIntent,
)
from outposts.services.outposts import outpost_delete


def assert_rejected_by_database(create) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


@pytest.mark.parametrize(
    "create",
    [
        lambda: Outpost.objects.create(name="twin"),
        lambda: Provider.objects.create(name="twin"),
        lambda: DockerServiceConnection.objects.create(name="twin", url="unix://x"),
        lambda: CertificateKeyPair.objects.create(name="twin", certificate_data="c"),
        lambda: PropertyMapping.objects.create(name="twin"),
    ],
    ids=["outpost", "provider", "service_connection", "certificate", "mapping"],
)
def test_names_are_unique_in_the_database(db, create):
    create()

    assert_rejected_by_database(create)


def test_outpost_managed_is_unique_but_may_be_null_many_times(db):
    Outpost.objects.create(name="first", managed="example.org/one")
    Outpost.objects.create(name="unmanaged-1")
    Outpost.objects.create(name="unmanaged-2")

    assert_rejected_by_database(
        lambda: Outpost.objects.create(name="second", managed="example.org/one")
    )
    assert Outpost.objects.filter(managed=None).count() == 2


def test_token_identifier_and_key_hash_are_unique(db, make_user):
    user = make_user()
    Token.objects.create(identifier="one", key_hash="a" * 64, user=user)

    assert_rejected_by_database(
        lambda: Token.objects.create(identifier="one", key_hash="b" * 64, user=user)
    )
    assert_rejected_by_database(
        lambda: Token.objects.create(identifier="two", key_hash="a" * 64, user=user)
    )


def test_deleted_service_connection_leaves_its_outposts_without_one(make_outpost):
    connection = DockerServiceConnection.objects.create(name="docker", url="unix://x")
    outpost = make_outpost(service_connection=connection)

    connection.delete()

    outpost.refresh_from_db()
    assert outpost.service_connection is None


def test_deleted_provider_is_detached_from_its_outposts(make_outpost, make_provider):
    kept, deleted = make_provider("proxy"), make_provider("proxy")
    outpost = make_outpost(providers=[kept, deleted])

    deleted.delete()

    assert list(outpost.providers.values_list("pk", flat=True)) == [kept.pk]
    assert Outpost.objects.filter(pk=outpost.pk).exists()


def assert_complete_embedded_outpost() -> Outpost:
    embedded = Outpost.objects.get(managed=EMBEDDED_OUTPOST_MANAGED)
    assert (embedded.name, embedded.type) == (EMBEDDED_OUTPOST_NAME, OutpostType.PROXY)
    account = get_user_model().objects.get(username=embedded.service_account_username)
    assert not account.has_usable_password()
    assert not account.is_staff
    token = Token.objects.get(identifier=embedded.token_identifier)
    assert (token.user, token.intent, token.expiring) == (
        account,
        TokenIntent.API,
        False,
    )
    return embedded


def test_embedded_outpost_exists_after_migrate(db):
    assert_complete_embedded_outpost()


def test_bootstrap_recreates_deleted_embedded_outpost(db):
    deleted = Outpost.objects.get(managed=EMBEDDED_OUTPOST_MANAGED)
    outpost_delete(deleted)

    call_command("bootstrap")

    recreated = assert_complete_embedded_outpost()
    assert recreated.pk != deleted.pk
    assert not Token.objects.filter(identifier=deleted.token_identifier).exists()
