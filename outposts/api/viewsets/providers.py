"""`/providers/all/`: every provider, described by its concrete kind."""

from django.db import transaction
from django.db.models import Q
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from outposts.api.permissions import ObjectPermissions, visible
from outposts.api.serializers.common import (
    TypeCreateSerializer,
    UsedBySerializer,
    kind_type_entry,
)
from outposts.api.serializers.providers import ProviderSerializer
from outposts.api.used_by import provider_used_by
from outposts.models import (
    LDAPProvider,
    Provider,
    ProxyProvider,
    RACProvider,
    RadiusProvider,
)
from outposts.services.providers import provider_delete

PROVIDER_KINDS = (ProxyProvider, LDAPProvider, RadiusProvider, RACProvider)
NO_LIST = {"pagination_class": None, "filter_backends": []}


class ProviderFilterSet(filters.FilterSet):
    # Undescribed in the schema, as in authentik's: true keeps the providers
    # assigned to neither an application nor a backchannel application.
    application__isnull = filters.BooleanFilter(method="filter_application_isnull")
    backchannel = filters.BooleanFilter(
        field_name="is_backchannel",
        help_text=(
            "When not set all providers are returned. When set to true, only "
            "backchannel providers are returned. When set to false, backchannel "
            "providers are excluded"
        ),
    )

    class Meta:
        model = Provider
        fields = []

    def filter_application_isnull(self, queryset, name, value: bool):
        unassigned = Q(application__isnull=True) & Q(
            backchannel_application__isnull=True
        )
        return queryset.filter(unassigned if value else ~unassigned)


class ProviderViewSet(
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    mixins.ListModelMixin,
    GenericViewSet,
):
    """Providers of every kind, with the applications they are assigned to.

    Providers are created and edited in the admin; deleting one here removes
    it from the outposts that serve it.
    """

    serializer_class = ProviderSerializer
    permission_classes = [ObjectPermissions]
    permission_model = Provider
    filterset_class = ProviderFilterSet
    search_fields = ["name", "application__name"]
    ordering_fields = ["pk", "name"]
    ordering = ["name"]

    def get_queryset(self):
        queryset = Provider.objects.with_kind()
        if getattr(self, "swagger_fake_view", False):
            return queryset.none()
        if self.action == "destroy":
            queryset = queryset.select_for_update(of=("self",))
        return visible(self.request.user, queryset)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        """Delete a provider; the outposts serving it lose it."""
        with transaction.atomic():
            provider_delete(self.get_object(), request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={200: TypeCreateSerializer(many=True)})
    @action(detail=False, methods=["get"], **NO_LIST)
    def types(self, request: Request) -> Response:
        """The kinds of provider that outposts can serve."""
        return Response([kind_type_entry(kind) for kind in PROVIDER_KINDS])

    @extend_schema(responses={200: UsedBySerializer(many=True)})
    @action(detail=True, methods=["get"], **NO_LIST)
    def used_by(self, request: Request, pk=None) -> Response:
        """The outposts serving this provider and the application it is assigned
        to, and what deleting the provider does to each."""
        return Response(provider_used_by(request.user, self.get_object()))
