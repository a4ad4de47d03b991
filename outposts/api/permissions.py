"""Model and object permissions through django-guardian.

A caller sees an object with the global `view_<model>` permission or an
object-level one; without either for any object of the model, every route of
that resource is a 403. Writes need `change_`/`delete_` globally or on the
object, creation needs the global `add_`.
"""

from django.db.models import Model, QuerySet
from guardian.models import GroupObjectPermission, UserObjectPermission
from guardian.shortcuts import get_objects_for_user
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
    if user.is_superuser or user.has_perm(perm_name(model, "view")):
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


def visible(user, queryset: QuerySet) -> QuerySet:
    """The objects of `queryset` that `user` may view."""
    model = queryset.model
    if user.is_superuser or user.has_perm(perm_name(model, "view")):
        return queryset
    return get_objects_for_user(
        user,
        perm_name(model, "view"),
        queryset,
        accept_global_perms=False,
        with_superuser=False,
    )


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
