"""Turning a lost uniqueness race into the validation error a client expects."""

from collections.abc import Callable
from typing import Any, NoReturn

from django.db import IntegrityError, transaction
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.serializers import Serializer
from rest_framework.utils.field_mapping import get_unique_error_message

from outposts.pipeline import atomic_pipelined


def _violated_field(model, exc: IntegrityError):
    """The unique field whose constraint `exc` reports, if it names one."""
    constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
    message = str(exc)
    for field in model._meta.concrete_fields:
        if not field.unique or field.primary_key:
            continue
        table = field.model._meta.db_table
        if constraint is not None:
            # PostgreSQL names a column's unique constraint <table>_<column>_key.
            if constraint.startswith(table) and f"_{field.column}_" in constraint:
                return field
        elif f"{table}.{field.column}" in message:
            # SQLite says "UNIQUE constraint failed: <table>.<column>".
            return field
    return None


def raise_unique_violation(serializer: Serializer, exc: IntegrityError) -> NoReturn:
    """Report a unique constraint the database enforced as a validation error.

    Two requests may both pass validation before either commits; the second
    to write then hits the constraint instead, and gets the message the
    serializer's own uniqueness check gives.
    """
    # Validating the same data again, now that the transaction has been rolled
    # back, reports every value that is taken, with any other error.
    serializer._errors = {}
    serializer._validated_data = {}
    serializer._field_results = None
    serializer.context["check_unique"] = True
    try:
        serializer.run_validation(serializer.initial_data)
    except ValidationError as error:
        raise ValidationError(error.detail) from None
    # The value that was taken may be free again already; the constraint
    # still says which field lost.
    field = _violated_field(serializer.Meta.model, exc)
    if field is not None:
        raise ValidationError({field.name: [get_unique_error_message(field)]})
    raise ValidationError(
        {"non_field_errors": ["A conflicting change was made at the same time."]}
    )


def save_checking_unique(serializer: Serializer) -> Any:
    """Save a validated serializer; a unique constraint it loses is a 400."""
    try:
        with transaction.atomic():
            return serializer.save()
    except IntegrityError as exc:
        raise_unique_violation(serializer, exc)


def update_locked(
    view,
    request: Request,
    *,
    partial: bool,
    read: Callable[[], tuple[Any, dict[str, Any]]] | None = None,
    pipelined: bool = False,
) -> Serializer:
    """Validate and save a change to the object `view` looks up, in one
    transaction that holds the object's row lock from the read to the
    commit (the view's queryset selects it FOR UPDATE for writes), so
    concurrent writes to one object are serialised.

    `read()`, if given, reads and locks the object instead, and gives what
    to add to the serializer's context with it.

    `pipelined` sends the transaction's statements through
    `atomic_pipelined`; the serializer's save must then not depend on the
    row count of a write (as `Model.save()` does).
    """
    serializer = view.get_serializer(data=request.data, partial=partial)
    prevalidate = getattr(serializer, "prevalidate", None)
    if prevalidate is not None:
        # What can be checked without the stored object is checked before
        # the lock is taken; only the rest waits behind other writers.
        prevalidate()
    try:
        with atomic_pipelined() if pipelined else transaction.atomic():
            if read is None:
                serializer.instance = view.get_object()
            else:
                serializer.instance, context = read()
                serializer.context.update(context)
            serializer.is_valid(raise_exception=True)
            serializer.save()
    except IntegrityError as exc:
        raise_unique_violation(serializer, exc)
    return serializer
