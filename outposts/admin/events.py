"""Admin page for the audit log, which can be read but never written."""

import json

from django.contrib import admin
from django.utils.html import format_html

from outposts.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["created", "action", "object_name", "username", "client_ip"]
    list_filter = ["action"]
    date_hierarchy = "created"
    fields = ["event_uuid", "created", "action", "user", "client_ip", "details"]
    readonly_fields = fields

    @admin.display(description="Object")
    def object_name(self, obj: Event) -> str:
        model = obj.context.get("model", {})
        return f"{model.get('model_name', '')} {model.get('name', '')}".strip()

    @admin.display(description="User")
    def username(self, obj: Event) -> str:
        return obj.user.get("username", "")

    @admin.display(description="Context")
    def details(self, obj: Event) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.context, indent=2))

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
