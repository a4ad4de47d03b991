"""The `Provider` shape, shared by outposts and the providers list."""

from django.core.exceptions import ObjectDoesNotExist
from rest_framework import serializers

from outposts.api.serializers.common import KindDescribedSerializer
from outposts.models import Provider
from outposts.selectors import provider_shape


def _application(provider: Provider):
    try:
        return provider.application
    except ObjectDoesNotExist:
        return None


class ProviderSerializer(KindDescribedSerializer):
    """A provider, described by its concrete kind and the applications it serves."""

    component = serializers.CharField(
        read_only=True,
        help_text="Get object component so that we know how to edit the object",
    )
    assigned_application_slug = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="Internal application name, used in URLs.",
    )
    assigned_application_name = serializers.CharField(
        read_only=True, allow_null=True, help_text="Application's display Name."
    )
    assigned_backchannel_application_slug = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="Internal application name, used in URLs.",
    )
    assigned_backchannel_application_name = serializers.CharField(
        read_only=True, allow_null=True, help_text="Application's display Name."
    )

    class Meta:
        model = Provider
        fields = [
            "pk",
            "name",
            "authentication_flow",
            "authorization_flow",
            "invalidation_flow",
            "property_mappings",
            "component",
            "assigned_application_slug",
            "assigned_application_name",
            "assigned_backchannel_application_slug",
            "assigned_backchannel_application_name",
            "verbose_name",
            "verbose_name_plural",
            "meta_model_name",
        ]

    def to_representation(self, provider: Provider) -> dict:
        application = _application(provider)
        backchannel = provider.backchannel_application
        return provider_shape(
            pk=provider.pk,
            name=provider.name,
            flows=(
                provider.authentication_flow_id,
                provider.authorization_flow_id,
                provider.invalidation_flow_id,
            ),
            property_mappings=[pm.pk for pm in provider.property_mappings.all()],
            kind=type(provider.concrete()),
            application=(application.slug, application.name) if application else None,
            backchannel=(backchannel.slug, backchannel.name) if backchannel else None,
        )
