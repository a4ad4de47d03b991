from collections.abc import Mapping
from uuid import UUID

from django.db import IntegrityError, connection, transaction
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import ModelViewSet

from outposts.api.filters import OutpostFilterSet
from outposts.api.permissions import ObjectPermissions, perm_name, sees_all, visible
from outposts.api.serializers.common import UsedBySerializer
from outposts.api.serializers.outposts import (
    OutpostDefaultConfigSerializer,
    OutpostHealthSerializer,
    OutpostSerializer,
)
from outposts.api.used_by import outpost_used_by
from outposts.api.writes import (
    raise_unique_violation,
    save_checking_unique,
    update_locked,
)
from outposts.config import default_config
from outposts.models import Outpost, OutpostServiceConnection
from outposts.selectors import OutpostRead, outpost_for_update, providers_by_outpost
from outposts.services.health import health_list
from outposts.services.outpost_fields import FIELDS, outpost_fields_update
from outposts.services.outposts import outpost_delete

LOCKING_ACTIONS = frozenset({"update", "partial_update", "destroy"})
# The fields a partial update may change in one statement, without reading
# the outpost first (see `outposts.services.outpost_fields`).
DIRECT_FIELDS = frozenset(FIELDS)


def service_connection_queryset():
    """Service connections with their kind joined in."""
    return OutpostServiceConnection.objects.select_related(
        *OutpostServiceConnection.kind_accessors
    )


def outpost_queryset():
    """Outposts with their service connection's kind joined in.

    Their providers are loaded for a whole page at once by
    `providers_by_outpost`, when the serializer needs them.
    """
    return Outpost.objects.select_related(
        "service_connection",
        *(
            f"service_connection__{name}"
            for name in OutpostServiceConnection.kind_accessors
        ),
    )


@extend_schema_view(
    list=extend_schema(
        description=(
            "The outposts the caller may view, a page at a time. `search` "
            "matches outpost and provider names; every term must match."
        )
    ),
    create=extend_schema(
        description=(
            "Create an outpost. The server also creates its service account "
            "and API token, named by `token_identifier`."
        )
    ),
    retrieve=extend_schema(
        description="One outpost, its providers and its service connection."
    ),
    update=extend_schema(
        description=(
            "Replace an outpost's name, type, providers and config. A left-out "
            "`service_connection` or `managed` keeps its stored value."
        )
    ),
    partial_update=extend_schema(
        description=(
            "Change only the fields sent. The providers must suit the type the "
            "outpost will have, whichever of the two the request changes."
        )
    ),
    destroy=extend_schema(
        description=(
            "Delete an outpost with its service account and API token; its "
            "agents can no longer authenticate."
        )
    ),
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
    # Names are unique, so the name alone orders the list completely.
    ordering = ["name"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Outpost.objects.none()
        queryset = outpost_queryset()
        if self.action in LOCKING_ACTIONS:
            # Concurrent writes to one outpost wait for each other.
            queryset = queryset.select_for_update(of=("self",))
        return visible(self.request.user, queryset)

    def get_object(self) -> Outpost:
        if self.action not in LOCKING_ACTIONS or not sees_all(
            self.request.user, Outpost
        ):
            return super().get_object()
        # A caller who sees every outpost needs no visibility filter, and
        # the write's row is read and locked by a statement written once.
        return self._read(outpost_for_update).outpost

    def _read(self, selector, **options) -> OutpostRead:
        found = selector(self._lookup_pk(), **options)
        if found is None:
            # The message the ORM lookup of other callers gives.
            raise Http404(f"No {Outpost._meta.object_name} matches the given query.")
        self.check_object_permissions(self.request, found.outpost)
        return found

    def _lookup_pk(self) -> UUID:
        try:
            return UUID(str(self.kwargs[self.lookup_field]))
        except ValueError:
            raise Http404 from None

    def _read_locked(self) -> tuple[Outpost, dict]:
        if not sees_all(self.request.user, Outpost):
            return self.get_object(), {}
        found = self._read(outpost_for_update, with_providers=True)
        return found.outpost, {"providers_by_outpost": found.providers}

    def _updates_fields_directly(self, request: Request, partial: bool) -> bool:
        """Whether this update goes by `outpost_fields_update` (see `update`)."""
        user = request.user
        return (
            partial
            and connection.vendor == "postgresql"
            and isinstance(request.data, Mapping)
            and len(request.data) > 0
            and DIRECT_FIELDS.issuperset(request.data)
            and sees_all(user, Outpost)
            and user.has_perm(perm_name(Outpost, "change"))
        )

    def _update_fields(self, request: Request):
        """The serializer of a change written by `outpost_fields_update`, or
        None if the outpost is one it leaves to the locked path."""
        serializer = self.get_serializer(data=request.data, partial=True)
        if not serializer.is_valid():
            # Answered by the locked path, which says 404 for a missing
            # outpost before it looks at the request.
            return None
        pk = self._lookup_pk()
        try:
            written = outpost_fields_update(
                pk, dict(serializer.validated_data), request=request
            )
        except IntegrityError as exc:
            # The values that are taken are taken by other outposts.
            serializer.instance = Outpost(pk=pk)
            raise_unique_violation(serializer, exc)
        if written is None:
            return None
        serializer.instance, serializer.diff, providers = written
        serializer.context["providers_by_outpost"] = providers
        return serializer

    def filter_queryset(self, queryset):
        # Filters, search and ordering describe lists; a single outpost is
        # looked up by its key alone.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def list(self, request: Request, *args, **kwargs) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        serializer = self.get_serializer(page, many=True)
        serializer.context["providers_by_outpost"] = providers_by_outpost(
            [outpost.pk for outpost in page]
        )
        return self.get_paginated_response(serializer.data)

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        outpost = save_checking_unique(serializer)
        created = outpost_queryset().get(pk=outpost.pk)
        return Response(
            self.get_serializer(created).data, status=status.HTTP_201_CREATED
        )

    def update(self, request: Request, *args, **kwargs) -> Response:
        partial = kwargs.pop("partial", False)
        serializer = None
        if self._updates_fields_directly(request, partial):
            # No rule for these fields reads the stored outpost but the
            # embedded outpost's: they are validated on their own and written
            # in one statement, which finds the diff against the row as it
            # is stored when the statement locks it.
            serializer = self._update_fields(request)
        if serializer is None:
            serializer = update_locked(
                self, request, partial=partial, read=self._read_locked, pipelined=True
            )
        outpost = serializer.instance
        if "providers" in serializer.diff or "service_connection" in serializer.diff:
            # What was loaded before the write is stale; the response shows the
            # new providers and connection with their kinds.
            return Response(
                self.get_serializer(outpost_queryset().get(pk=outpost.pk)).data
            )
        connection_id = outpost.service_connection_id
        if connection_id is not None and not Outpost.service_connection.is_cached(
            outpost
        ):
            # The locked read left the connection out; it is loaded with its
            # kind once the lock is released.
            outpost.service_connection = service_connection_queryset().get(
                pk=connection_id
            )
        return Response(serializer.data)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        with transaction.atomic():
            outpost = self.get_object()
            outpost_delete(outpost, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)

    # The list filters stay on (they narrow the lookup, as on authentik), so
    # the schema documents them for this operation as authentik's does.
    @extend_schema(responses={200: OutpostHealthSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
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
