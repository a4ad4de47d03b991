"""Fixtures shared by the service connection tests."""

import pytest

from outposts.models import (
    CertificateKeyPair,
    DockerServiceConnection,
    KubernetesServiceConnection,
)
from tests.triggers import trigger_counts


@pytest.fixture
def docker(db):
    return DockerServiceConnection.objects.create(
        name="docker-1", url="unix:///var/run/docker.sock"
    )


@pytest.fixture
def kubernetes(db):
    return KubernetesServiceConnection.objects.create(name="kube-1", local=True)


@pytest.fixture
def keypair(db):
    return CertificateKeyPair.objects.create(
        name="kp", certificate_data="-----BEGIN CERTIFICATE-----"
    )


@pytest.fixture
def triggers(django_capture_on_commit_callbacks):
    def run(outposts, request):
        return trigger_counts(outposts, request, django_capture_on_commit_callbacks)

    return run
