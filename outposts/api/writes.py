"""Turning a lost uniqueness race into the validation error a client expects."""

from collections.abc import Callable
from typing import TypeVar

from django.db import IntegrityError, transaction
from rest_framework.exceptions import ValidationError
from rest_framework.serializers import Serializer

T = TypeVar("T")


def save_unique(serializer: Serializer, save: Callable[[], T]) -> T:
    """Run `save` in a savepoint; on a unique violation, report it like the
    serializer's own uniqueness validators would have.

    Two requests may both pass validation before either commits; the second
    to insert then hits the database constraint instead.
    """
    try:
        with transaction.atomic():
            return save()
    except IntegrityError:
        serializer._errors = {}
        serializer._validated_data = {}
        try:
            serializer.run_validation(serializer.initial_data)
        except ValidationError as exc:
            raise ValidationError(exc.detail) from None
        raise ValidationError(
            {"non_field_errors": ["A conflicting change was made at the same time."]}
        ) from None
