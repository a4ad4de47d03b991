"""Turning a lost uniqueness race into the validation error a client expects."""

from typing import NoReturn

from rest_framework.exceptions import ValidationError
from rest_framework.serializers import Serializer


def raise_unique_violation(serializer: Serializer) -> NoReturn:
    """Report a unique constraint the database enforced as a validation error.

    Two requests may both pass validation before either commits; the second
    to write then hits the constraint instead. Once its transaction has been
    rolled back, validating the same data again names the taken value.
    """
    serializer._errors = {}
    serializer._validated_data = {}
    # Serializers that leave uniqueness to the database check it now.
    serializer.context["check_unique"] = True
    try:
        serializer.run_validation(serializer.initial_data)
    except ValidationError as exc:
        raise ValidationError(exc.detail) from None
    raise ValidationError(
        {"non_field_errors": ["A conflicting change was made at the same time."]}
    )
