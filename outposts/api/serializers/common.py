"""Small shapes shared by several resources."""

import copy

from rest_framework import serializers

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
    """

    def get_fields(self):
        cls = type(self)
        prototype = cls.__dict__.get("_prototype_fields")
        if prototype is None:
            prototype = super().get_fields()
            cls._prototype_fields = prototype
        return copy.deepcopy(prototype)
