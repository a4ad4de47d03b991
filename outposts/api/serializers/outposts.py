"""Request and response shapes of `/outposts/instances/`."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import SkipField, get_error_detail

from outposts.api.serializers.common import PrototypeFieldsMixin, text_length_check
from outposts.api.serializers.providers import ProviderSerializer
from outposts.api.serializers.service_connections import ServiceConnectionSerializer
from outposts.config import config_errors, refresh_interval_seconds
from outposts.models import (
    EMBEDDED_OUTPOST_MANAGED,
    EMBEDDED_OUTPOST_NAME,
    Outpost,
    OutpostServiceConnection,
    OutpostType,
    Provider,
)
from outposts.rules import provider_kind_error
from outposts.selectors import ProviderRow, providers_by_outpost
from outposts.services.outposts import outpost_create, outpost_update

MAX_PK = 2**63 - 1
UNIQUE_FIELDS = ("name", "managed")


@extend_schema_field({"type": "array", "items": {"type": "integer"}})
class ProviderIdsField(serializers.Field):
    """A list of provider ids, resolved to providers with one query."""

    default_error_messages = {
        "not_a_list": 'Expected a list of items but got type "{input_type}".',
        "incorrect_type": "Incorrect type. Expected pk value, received {data_type}.",
        "does_not_exist": 'Invalid pk "{pk_value}" - object does not exist.',
    }

    def to_internal_value(self, data) -> list[Provider]:
        if not isinstance(data, list):
            self.fail("not_a_list", input_type=type(data).__name__)
        ids: list[int] = []
        for item in data:
            if isinstance(item, str) and item.isascii() and item.isdigit():
                item = int(item)
            if isinstance(item, bool) or not isinstance(item, int):
                self.fail("incorrect_type", data_type=type(item).__name__)
            ids.append(item)
        in_range = [pk for pk in ids if 0 < pk <= MAX_PK]
        found = Provider.objects.select_related(*Provider.kind_accessors).in_bulk(
            in_range
        )
        providers: dict[int, Provider] = {}
        for pk in ids:
            if pk not in found:
                self.fail("does_not_exist", pk_value=pk)
            providers[pk] = found[pk]
        return list(providers.values())

    def to_representation(self, value) -> list[int]:
        return sorted(provider.pk for provider in value.all())


class UUIDStringField(serializers.UUIDField):
    """A UUID given as a string; integers and other JSON types are not UUIDs."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


@extend_schema_field({"type": "object", "additionalProperties": {}})
class ConfigField(serializers.JSONField):
    default_error_messages = {
        "not_a_dict": "Value must be a dictionary, and not have any duplicate keys.",
    }

    def to_internal_value(self, data) -> dict[str, Any]:
        if not isinstance(data, dict):
            self.fail("not_a_dict")
        errors = config_errors(data)
        if errors:
            raise serializers.ValidationError(errors)
        return data


class OutpostSerializer(PrototypeFieldsMixin, serializers.ModelSerializer):
    """An outpost, its providers, its service connection and its config."""

    # What the last `update` changed, in the audit log's diff format.
    diff: dict[str, Any] = {}

    providers = ProviderIdsField()
    providers_obj = ProviderSerializer(many=True, read_only=True)
    service_connection = serializers.PrimaryKeyRelatedField(
        queryset=OutpostServiceConnection.objects.all(),
        pk_field=UUIDStringField(),
        allow_null=True,
        required=False,
        help_text=Outpost._meta.get_field("service_connection").help_text,
    )
    service_connection_obj = ServiceConnectionSerializer(
        read_only=True, allow_null=True
    )
    refresh_interval_s = serializers.IntegerField(read_only=True)
    token_identifier = serializers.CharField(
        read_only=True, help_text="Get Token identifier"
    )
    config = ConfigField()

    class Meta:
        model = Outpost
        fields = [
            "pk",
            "name",
            "type",
            "providers",
            "providers_obj",
            "service_connection",
            "service_connection_obj",
            "refresh_interval_s",
            "token_identifier",
            "config",
            "managed",
        ]
        # Uniqueness is left to the database on the way to a successful write,
        # and checked here only when a response reports errors anyway.
        extra_kwargs = {
            "name": {"validators": [text_length_check]},
            "type": {"required": True},
            "managed": {
                "allow_blank": False,
                "required": False,
                "validators": [text_length_check],
            },
        }
        # No rule spans several fields but those `to_internal_value` checks.
        validators = []

    def provider_rows(self, outpost: Outpost) -> list[ProviderRow]:
        """The outpost's providers, from the page-wide index the view loaded."""
        index = self.context.get("providers_by_outpost")
        if index is None:
            index = self.context["providers_by_outpost"] = providers_by_outpost(
                [outpost.pk]
            )
        return index.get(str(outpost.pk), [])

    def to_representation(self, outpost: Outpost) -> dict[str, Any]:
        # Built by hand: the declared fields serve validation and the schema,
        # and a page of outposts would spend most of its time in field objects.
        providers = self.provider_rows(outpost)
        connection = outpost.service_connection
        return {
            "pk": outpost.pk,
            "name": outpost.name,
            "type": outpost.type,
            "providers": [provider.pk for provider in providers],
            "providers_obj": [provider.shape for provider in providers],
            "service_connection": outpost.service_connection_id,
            "service_connection_obj": (
                ServiceConnectionSerializer().to_representation(connection)
                if connection is not None
                else None
            ),
            "refresh_interval_s": refresh_interval_seconds(outpost.config),
            "token_identifier": outpost.token_identifier,
            "config": outpost.config,
            "managed": outpost.managed,
        }

    def prevalidate(self) -> None:
        """Check each field of the request on its own, ahead of validation.

        A field's value does not depend on the stored outpost, so a write can
        check them before it locks the row, and hold the lock only for the
        rules that compare the request with what is stored.
        """
        data = self.initial_data
        if isinstance(data, Mapping):
            self._field_results = (data, self._field_values(data))

    def to_internal_value(self, data) -> dict[str, Any]:
        # Field errors and the rules between fields are collected together,
        # so one response names everything that is wrong with the request.
        if not isinstance(data, Mapping):
            message = self.error_messages["invalid"].format(
                datatype=type(data).__name__
            )
            raise serializers.ValidationError({"non_field_errors": [message]})
        checked = getattr(self, "_field_results", None)
        if checked is not None and checked[0] is data:
            attrs, errors = checked[1]
            attrs, errors = dict(attrs), dict(errors)
        else:
            attrs, errors = self._field_values(data)
        for field_name, messages in self._rule_errors(attrs, errors).items():
            errors.setdefault(field_name, []).extend(messages)
        if errors or self.context.get("check_unique"):
            for field_name, messages in self._unique_errors(attrs).items():
                errors.setdefault(field_name, []).extend(messages)
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def _field_values(self, data: Mapping) -> tuple[dict[str, Any], dict[str, Any]]:
        attrs: dict[str, Any] = {}
        errors: dict[str, Any] = {}
        for field in self._writable_fields:
            try:
                value = field.run_validation(field.get_value(data))
            except serializers.ValidationError as exc:
                errors[field.field_name] = exc.detail
            except DjangoValidationError as exc:
                errors[field.field_name] = get_error_detail(exc)
            except SkipField:
                pass
            else:
                self.set_value(attrs, field.source_attrs, value)
        return attrs, errors

    def _unique_errors(self, attrs: dict[str, Any]) -> dict[str, list[str]]:
        others = Outpost.objects.all()
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        found = {}
        for field_name in UNIQUE_FIELDS:
            value = attrs.get(field_name)
            if value is not None and others.filter(**{field_name: value}).exists():
                label = Outpost._meta.get_field(field_name).verbose_name
                found[field_name] = [f"Outpost with this {label} already exists."]
        return found

    def _rule_errors(self, attrs: dict[str, Any], errors: dict) -> dict[str, list[str]]:
        instance: Outpost | None = self.instance
        found: dict[str, list[str]] = {}
        if instance is not None and instance.is_embedded:
            if "name" in attrs and attrs["name"] != instance.name:
                found["name"] = ["Embedded outpost's name cannot be changed"]
            if "managed" in attrs and attrs["managed"] != EMBEDDED_OUTPOST_MANAGED:
                found["managed"] = [
                    "Embedded outpost's managed value cannot be changed"
                ]
        elif instance is not None and instance.name == EMBEDDED_OUTPOST_NAME:
            if "name" in attrs:
                attrs["managed"] = EMBEDDED_OUTPOST_MANAGED

        if "type" in errors or "providers" in errors:
            return found
        if "providers" in attrs:
            providers = attrs["providers"]
            kinds = [type(provider.concrete()) for provider in providers]
        elif instance is not None and "type" in attrs:
            providers = self.provider_rows(instance)
            kinds = [provider.kind for provider in providers]
        else:
            return found
        managed = attrs.get("managed", instance.managed if instance else None)
        if (
            not providers
            and managed != EMBEDDED_OUTPOST_MANAGED
            and "providers" in attrs
        ):
            found.setdefault("providers", []).append("This list may not be empty.")
        outpost_type = attrs.get(
            "type", instance.type if instance else OutpostType.PROXY
        )
        mismatch = provider_kind_error(outpost_type, kinds)
        if mismatch:
            found.setdefault("providers", []).append(mismatch)
        return found

    def create(self, validated_data: dict[str, Any]) -> Outpost:
        request = self.context.get("request")
        return outpost_create(
            name=validated_data["name"],
            type=validated_data["type"],
            providers=[provider.pk for provider in validated_data["providers"]],
            service_connection=validated_data.get("service_connection"),
            config=validated_data["config"],
            managed=validated_data.get("managed"),
            request=request,
        )

    def update(self, instance: Outpost, validated_data: dict[str, Any]) -> Outpost:
        changes = dict(validated_data)
        if "providers" in changes:
            changes["providers"] = [provider.pk for provider in changes["providers"]]
            current = self.provider_rows(instance)
            changes["_current_providers"] = {provider.pk for provider in current}
        self.diff = outpost_update(
            instance, changes=changes, request=self.context.get("request")
        )
        return instance


class OutpostHealthSerializer(serializers.Serializer):
    """The state one running agent instance of an outpost last reported."""

    uid = serializers.CharField(read_only=True)
    last_seen = serializers.DateTimeField(read_only=True)
    version = serializers.CharField(read_only=True)
    golang_version = serializers.CharField(read_only=True)
    openssl_enabled = serializers.BooleanField(read_only=True)
    openssl_version = serializers.CharField(read_only=True)
    fips_enabled = serializers.BooleanField(
        read_only=True, allow_null=True, help_text="Get FIPS enabled"
    )
    version_should = serializers.CharField(read_only=True)
    version_outdated = serializers.BooleanField(read_only=True)
    build_hash = serializers.CharField(read_only=True)
    build_hash_should = serializers.CharField(read_only=True)
    hostname = serializers.CharField(read_only=True)


class OutpostDefaultConfigSerializer(serializers.Serializer):
    """The default value of every known config key."""

    config = serializers.DictField(read_only=True)
