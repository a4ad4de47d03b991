"""How a concrete model kind describes itself on the wire.

Providers and service connections are stored with multi-table inheritance;
the API shows, for every row, which concrete kind it is.
"""

from django.core.exceptions import ObjectDoesNotExist
from django.db import models


class KindMixin:
    """Describes the concrete kind of a multi-table-inheritance row."""

    component = ""
    kind_description = ""
    # Reverse one-to-one accessors of the concrete subclasses, set by the base.
    kind_accessors: tuple[str, ...] = ()

    def concrete(self) -> models.Model:
        """Return the row as its concrete subclass, or itself when it has none.

        Querysets that show kinds select the subclass tables with
        `select_related`, so this costs no query there.
        """
        # Only the base class declares the accessors; a row loaded as one of
        # its kinds already is its concrete self.
        if "kind_accessors" not in type(self).__dict__:
            return self
        for accessor in self.kind_accessors:
            try:
                return getattr(self, accessor)
            except ObjectDoesNotExist:
                continue
        return self

    @property
    def kind_meta(self):
        return self.concrete()._meta

    @property
    def kind_component(self) -> str:
        return self.concrete().component

    @property
    def verbose_name(self) -> str:
        return str(self.kind_meta.verbose_name)

    @property
    def verbose_name_plural(self) -> str:
        return str(self.kind_meta.verbose_name_plural)

    @property
    def meta_model_name(self) -> str:
        meta = self.kind_meta
        return f"{meta.app_label}.{meta.model_name}"
