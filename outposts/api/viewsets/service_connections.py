"""Service connections: `all/` for every kind, `docker/` and `kubernetes/` to edit."""

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet, ModelViewSet

from outposts.api.permissions import ObjectPermissions, visible
from outposts.api.serializers.common import (
    TypeCreateSerializer,
    UsedBySerializer,
    kind_type_entry,
)
from outposts.api.serializers.connection_kinds import ServiceConnectionStateSerializer
from outposts.api.serializers.docker_connections import (
    DockerServiceConnectionSerializer,
)
from outposts.api.serializers.kubernetes_connections import (
    KubernetesServiceConnectionSerializer,
)
from outposts.api.serializers.service_connections import ServiceConnectionSerializer
from outposts.api.used_by import service_connection_used_by
from outposts.api.writes import save_checking_unique, update_locked
from outposts.models import (
    DockerServiceConnection,
    KubernetesServiceConnection,
    OutpostServiceConnection,
)
from outposts.services.connection_state import connection_state
from outposts.services.service_connections import service_connection_delete

CONNECTION_KINDS = (DockerServiceConnection, KubernetesServiceConnection)
LOCKING_ACTIONS = frozenset({"update", "partial_update", "destroy"})
NO_LIST = {"pagination_class": None, "filter_backends": []}


class ServiceConnectionViewSet(
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    mixins.ListModelMixin,
    GenericViewSet,
):
    """Service connections of every kind: how the server deploys outposts.

    Each entry names its concrete kind; create and edit connections under
    `docker/` and `kubernetes/`.
    """

    serializer_class = ServiceConnectionSerializer
    permission_classes = [ObjectPermissions]
    permission_model = OutpostServiceConnection
    lookup_field = "uuid"
    filterset_fields = ["name"]
    search_fields = ["name"]
    ordering_fields = ["pk", "name", "local"]
    ordering = ["name"]

    def get_queryset(self):
        queryset = OutpostServiceConnection.objects.select_related(
            *OutpostServiceConnection.kind_accessors
        )
        if getattr(self, "swagger_fake_view", False):
            return queryset.none()
        if self.action in LOCKING_ACTIONS:
            queryset = queryset.select_for_update(of=("self",))
        return visible(self.request.user, queryset)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        """Delete a connection; outposts using it are left without one."""
        with transaction.atomic():
            service_connection_delete(self.get_object(), request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={200: TypeCreateSerializer(many=True)})
    @action(detail=False, methods=["get"], **NO_LIST)
    def types(self, request: Request) -> Response:
        """The kinds of service connection that can be created."""
        return Response([kind_type_entry(kind) for kind in CONNECTION_KINDS])

    @extend_schema(responses={200: ServiceConnectionStateSerializer})
    @action(detail=True, methods=["get"], **NO_LIST)
    def state(self, request: Request, uuid=None) -> Response:
        """Whether the connection's endpoint answers, and the version it runs.

        Measured at most every few seconds; an endpoint that does not answer
        within two seconds is reported unhealthy with an empty version.
        """
        state = connection_state(self.get_object())
        return Response({"healthy": state.healthy, "version": state.version})

    @extend_schema(responses={200: UsedBySerializer(many=True)})
    @action(detail=True, methods=["get"], **NO_LIST)
    def used_by(self, request: Request, uuid=None) -> Response:
        """The outposts deployed through this connection; deleting it leaves
        them without one."""
        return Response(service_connection_used_by(request.user, self.get_object()))


class ConnectionKindViewSet(ModelViewSet):
    """Create, edit and delete the connections of one concrete kind."""

    permission_classes = [ObjectPermissions]
    lookup_field = "uuid"
    search_fields = ["name"]
    ordering_fields = ["pk", "name", "local"]
    ordering = ["name"]

    def get_queryset(self):
        queryset = self.permission_model.objects.all()
        if getattr(self, "swagger_fake_view", False):
            return queryset.none()
        if self.action in LOCKING_ACTIONS:
            queryset = queryset.select_for_update(of=("self",))
        return visible(self.request.user, queryset)

    def perform_create(self, serializer) -> None:
        save_checking_unique(serializer)

    def update(self, request: Request, *args, **kwargs) -> Response:
        serializer = update_locked(self, request, partial=kwargs.pop("partial", False))
        return Response(serializer.data)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        with transaction.atomic():
            service_connection_delete(self.get_object(), request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={200: UsedBySerializer(many=True)})
    @action(detail=True, methods=["get"], **NO_LIST)
    def used_by(self, request: Request, uuid=None) -> Response:
        """The outposts deployed through this connection; deleting it leaves
        them without one."""
        return Response(service_connection_used_by(request.user, self.get_object()))


class DockerServiceConnectionViewSet(ConnectionKindViewSet):
    """Docker daemons outposts are deployed to, over a unix socket or HTTP(S).

    Deleting a connection leaves the outposts using it without one.
    """

    serializer_class = DockerServiceConnectionSerializer
    permission_model = DockerServiceConnection
    filterset_fields = [
        "local",
        "name",
        "url",
        "tls_verification",
        "tls_authentication",
    ]


class KubernetesServiceConnectionViewSet(ConnectionKindViewSet):
    """Kubernetes clusters outposts are deployed to, through a kubeconfig or
    from inside the cluster.

    Deleting a connection leaves the outposts using it without one.
    """

    serializer_class = KubernetesServiceConnectionSerializer
    permission_model = KubernetesServiceConnection
    filterset_fields = ["local", "name"]
