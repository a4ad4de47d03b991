"""Removing the object permissions that point at a deleted object.

django-guardian keeps object permissions as rows holding the object's primary
key as text, with no foreign key, so nothing removes them when the object
goes away.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from guardian.models import GroupObjectPermission, UserObjectPermission


def object_permissions_delete(obj: Model) -> None:
    """Delete every user and group permission granted on `obj` or its parents.

    A row of a multi-table-inheritance model is also its parent rows, and
    permissions may have been granted on either.
    """
    models = [type(obj), *type(obj)._meta.get_parent_list()]
    content_types = ContentType.objects.get_for_models(*models).values()
    for table in (UserObjectPermission, GroupObjectPermission):
        table.objects.filter(
            content_type__in=content_types, object_pk=str(obj.pk)
        ).delete()
