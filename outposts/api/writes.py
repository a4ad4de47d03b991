"""Turning a lost uniqueness race into the validation error a client expects."""

from typing import Any, NoReturn

from django.db import IntegrityError, transaction
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
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


def save_checking_unique(serializer: Serializer) -> Any:
    """Save a validated serializer; a unique constraint it loses is a 400."""
    try:
        with transaction.atomic():
            return serializer.save()
    except IntegrityError:
        raise_unique_violation(serializer)


def update_locked(view, request: Request, *, partial: bool) -> Serializer:
    """Validate and save a change to the object `view` looks up, in one
    transaction that holds the object's row lock from the read to the commit
    (the view's queryset selects it FOR UPDATE for writes), so concurrent
    writes to one object are serialised."""
    serializer = None
    try:
        with transaction.atomic():
            instance = view.get_object()
            serializer = view.get_serializer(
                instance, data=request.data, partial=partial
            )
            serializer.is_valid(raise_exception=True)
            serializer.save()
    except IntegrityError:
        if serializer is None:
            raise
        raise_unique_violation(serializer)
    return serializer
