"""Model and object permissions through django-guardian.

A caller sees an object with the global `view_<model>` permission or an
object-level one; without either for any object of the model, every route of
that resource is a 403. Writes need `change_`/`delete_` globally or on the
object, creation needs the global `add_`.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Model, Q, QuerySet, Value
from django.db.models.functions import Cast, Replace
from guardian.models import GroupObjectPermission, UserObjectPermission
from rest_framework.permissions import BasePermission

ACTION_PERMISSIONS = {
    "update": "change",
    "partial_update": "change",
    "destroy": "delete",
}


def perm_name(model: type[Model], action: str) -> str:
    meta = model._meta
    return f"{meta.app_label}.{action}_{meta.model_name}"


def can_view_any(user, model: type[Model]) -> bool:
    """True when `user` may view the model globally or at least one object of it."""
    if sees_all(user, model):
        return True
    codename = f"view_{model._meta.model_name}"
    meta = model._meta
    lookup = {
        "permission__codename": codename,
        "permission__content_type__app_label": meta.app_label,
    }
    return (
        UserObjectPermission.objects.filter(user=user, **lookup).exists()
        or GroupObjectPermission.objects.filter(group__user=user, **lookup).exists()
    )


def _key_text(expression):
    # Keys compared as text without dashes read the same for integers and for
    # UUIDs, whether the database stores a UUID with dashes or without.
    return Replace(expression, Value("-"), Value(""), output_field=CharField())


def sees_all(user, model: type[Model]) -> bool:
    """True when `user` may view every object of `model`."""
    return user.is_superuser or user.has_perm(perm_name(model, "view"))


def visible(user, queryset: QuerySet) -> QuerySet:
    """The objects of `queryset` that `user` may view."""
    model = queryset.model
    if sees_all(user, model):
        return queryset
    # guardian's get_objects_for_user casts each granted object_pk to the
    # model's key type. For UUID keys PostgreSQL may apply that cast to the
    # user's grants on integer-keyed models as well (an outpost's service
    # account holds both) and fail, so the keys are compared as text instead.
    lookup = {
        "content_type": ContentType.objects.get_for_model(model),
        "permission__codename": f"view_{model._meta.model_name}",
    }
    granted = [
        table.objects.filter(**owner, **lookup)
        .annotate(key=_key_text("object_pk"))
        .values("key")
        for table, owner in (
            (UserObjectPermission, {"user": user}),
            (GroupObjectPermission, {"group__user": user}),
        )
    ]
    return queryset.alias(
        _visible_key=_key_text(Cast("pk", output_field=CharField()))
    ).filter(Q(_visible_key__in=granted[0]) | Q(_visible_key__in=granted[1]))


def has_model_or_object_perm(user, model: type[Model], action: str, obj) -> bool:
    name = perm_name(model, action)
    return user.has_perm(name) or user.has_perm(name, obj)


class ObjectPermissions(BasePermission):
    """Permission checks for a viewset whose queryset is already filtered by
    `visible`; `public_actions` need authentication only."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if view.action in getattr(view, "public_actions", ()):
            return True
        model = view.permission_model
        if view.action == "create":
            return user.has_perm(perm_name(model, "add"))
        return can_view_any(user, model)

    def has_object_permission(self, request, view, obj) -> bool:
        action = ACTION_PERMISSIONS.get(view.action)
        if action is None:
            return True
        return has_model_or_object_perm(
            request.user, view.permission_model, action, obj
        )
