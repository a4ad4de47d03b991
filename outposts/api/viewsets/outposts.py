from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import ModelViewSet

from outposts.api.filters import OutpostFilterSet
from outposts.api.permissions import ObjectPermissions, visible
from outposts.api.serializers.common import UsedBySerializer
from outposts.api.serializers.outposts import (
    OutpostDefaultConfigSerializer,
    OutpostHealthSerializer,
    OutpostSerializer,
)
from outposts.api.used_by import outpost_used_by
from outposts.api.writes import raise_unique_violation
from outposts.config import default_config
from outposts.models import Outpost, OutpostServiceConnection, Provider
from outposts.services.health import health_list
from outposts.services.outposts import outpost_delete

LOCKING_ACTIONS = frozenset({"update", "partial_update", "destroy"})


def outpost_queryset():
    """Outposts with everything their response shows, in a fixed number of queries."""
    return Outpost.objects.select_related(
        "service_connection",
        *(
            f"service_connection__{name}"
            for name in OutpostServiceConnection.kind_accessors
        ),
    ).prefetch_related(
        Prefetch("providers", queryset=Provider.objects.with_kind().order_by("pk"))
    )


class OutpostViewSet(ModelViewSet):
    """Outposts: the deployed agents, the providers each serves and its config."""

    serializer_class = OutpostSerializer
    permission_classes = [ObjectPermissions]
    permission_model = Outpost
    public_actions = ("default_settings",)
    lookup_field = "uuid"
    filterset_class = OutpostFilterSet
    search_fields = ["name", "providers__name"]
    ordering_fields = ["pk", "name", "type", "managed", "service_connection"]
    ordering = ["name", "service_connection__name"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Outpost.objects.none()
        queryset = outpost_queryset()
        if self.action in LOCKING_ACTIONS:
            # Concurrent writes to one outpost wait for each other.
            queryset = queryset.select_for_update(of=("self",))
        return visible(self.request.user, queryset)

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                outpost = serializer.save()
        except IntegrityError:
            raise_unique_violation(serializer)
        created = outpost_queryset().get(pk=outpost.pk)
        return Response(
            self.get_serializer(created).data, status=status.HTTP_201_CREATED
        )

    def update(self, request: Request, *args, **kwargs) -> Response:
        partial = kwargs.pop("partial", False)
        serializer = None
        try:
            with transaction.atomic():
                outpost = self.get_object()
                serializer = self.get_serializer(
                    outpost, data=request.data, partial=partial
                )
                serializer.is_valid(raise_exception=True)
                serializer.save()
        except IntegrityError:
            if serializer is None:
                raise
            raise_unique_violation(serializer)
        if "providers" in serializer.diff:
            # The prefetched providers are stale; load the new set with its kinds.
            outpost = outpost_queryset().get(pk=outpost.pk)
        return Response(self.get_serializer(outpost).data)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        with transaction.atomic():
            outpost = self.get_object()
            outpost_delete(outpost, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={200: OutpostHealthSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def health(self, request: Request, uuid=None) -> Response:
        """The agent instances of this outpost that reported in the last 15 seconds."""
        outpost = self.get_object()
        return Response(
            OutpostHealthSerializer(health_list(outpost.pk), many=True).data
        )

    @extend_schema(responses={200: OutpostDefaultConfigSerializer})
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def default_settings(self, request: Request) -> Response:
        """The default value of every config key, for this server's address."""
        host = request.build_absolute_uri("/")
        return Response({"config": default_config(authentik_host=host)})

    @extend_schema(responses={200: UsedBySerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def used_by(self, request: Request, uuid=None) -> Response:
        """Objects this outpost refers to, and what deleting it does to each."""
        outpost = self.get_object()
        return Response(outpost_used_by(request.user, outpost))
