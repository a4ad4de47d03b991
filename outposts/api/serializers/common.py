"""Small shapes shared by several resources."""

import copy
from collections.abc import Mapping

from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.utils import html
from rest_framework.utils.serializer_helpers import BindingDict

# Unique text is indexed, and an index entry holds at most about 2700 bytes;
# 255 characters fit whatever they are. Checked by a plain validator so the
# published schema stays authentik's.
TEXT_MAX_LENGTH = 255


def text_length_check(value: str) -> None:
    if len(value) > TEXT_MAX_LENGTH:
        raise serializers.ValidationError(
            f"Ensure this field has no more than {TEXT_MAX_LENGTH} characters."
        )


USED_BY_ACTIONS = [
    "cascade",
    "cascade_many",
    "set_null",
    "set_default",
    "left_dangling",
]


class UsedBySerializer(serializers.Serializer):
    """An object that refers to the queried one, and what deleting it would do."""

    app = serializers.CharField()
    model_name = serializers.CharField()
    pk = serializers.CharField()
    name = serializers.CharField()
    action = serializers.ChoiceField(choices=USED_BY_ACTIONS)


class TypeCreateSerializer(serializers.Serializer):
    """A kind of object that can be created, and the form that edits it."""

    name = serializers.CharField()
    description = serializers.CharField()
    component = serializers.CharField()
    model_name = serializers.CharField()
    icon_url = serializers.CharField(required=False)
    requires_enterprise = serializers.BooleanField(default=False)
    deprecated = serializers.BooleanField(default=False)


def kind_type_entry(model) -> dict:
    """The `types/` entry describing one concrete model kind."""
    return {
        "name": str(model._meta.verbose_name),
        "description": model.kind_description,
        "component": model.component,
        "model_name": model._meta.model_name,
        "requires_enterprise": False,
        "deprecated": False,
    }


class KindDescribedSerializer(serializers.ModelSerializer):
    """Base of the shapes that describe a row by its concrete kind."""

    verbose_name = serializers.CharField(
        read_only=True, help_text="Return object's verbose_name"
    )
    verbose_name_plural = serializers.CharField(
        read_only=True, help_text="Return object's plural verbose_name"
    )
    meta_model_name = serializers.CharField(
        read_only=True, help_text="Return internal model name"
    )


class PrototypeFieldsMixin:
    """Build a serializer class's fields once and copy them for each instance.

    `ModelSerializer` works its fields out of the model on every instance,
    which cost a write more than validating it. The copies are made as DRF
    copies declared fields, so each instance still binds fields of its own.

    Validation copies only the fields it runs: the writable ones, and of
    those, for a partial update, only the ones the request sends (any other
    is skipped by DRF without a look at the field's settings). The whole set
    is copied only where something asks for `fields`.
    """

    def _prototype(self) -> dict[str, serializers.Field]:
        cls = type(self)
        prototype = cls.__dict__.get("_prototype_fields")
        if prototype is None:
            prototype = super().get_fields()
            cls._prototype_fields = prototype
        return prototype

    def get_fields(self):
        return copy.deepcopy(self._prototype())

    @property
    def _writable_fields(self):
        if "fields" in self.__dict__:
            # Built already: those are the instance's fields.
            yield from super()._writable_fields
            return
        data = getattr(self, "initial_data", None)
        sent = None
        if self.partial and isinstance(data, Mapping) and not html.is_html_input(data):
            sent = data.keys()
        copies = self.__dict__.get("_field_copies")
        if copies is None:
            copies = self._field_copies = BindingDict(self)
        for name, field in self._prototype().items():
            if field.read_only or (sent is not None and name not in sent):
                continue
            if name not in copies:
                copies[name] = copy.deepcopy(field)
            yield copies[name]

    def _read_only_defaults(self):
        if not any(
            field.read_only and field.default is not empty
            for field in self._prototype().values()
        ):
            return {}
        return super()._read_only_defaults()
