"""Admin pages for what providers refer to: applications, flows and mappings."""

from django.contrib import admin
from django.contrib.admin.widgets import AdminTextInputWidget
from django.db import models

from outposts.models import Application, Flow, PropertyMapping

SINGLE_LINE = {models.TextField: {"widget": AdminTextInputWidget}}


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "provider"]
    list_select_related = ["provider"]
    search_fields = ["name", "slug", "provider__name"]
    prepopulated_fields = {"slug": ["name"]}
    formfield_overrides = SINGLE_LINE


@admin.register(Flow)
class FlowAdmin(admin.ModelAdmin):
    # The uuid is the primary key: editing it would save a copy, not a change.
    fields = ["name", "slug"]
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    formfield_overrides = SINGLE_LINE


@admin.register(PropertyMapping)
class PropertyMappingAdmin(admin.ModelAdmin):
    fields = ["name"]
    list_display = ["name"]
    search_fields = ["name"]
    formfield_overrides = SINGLE_LINE
