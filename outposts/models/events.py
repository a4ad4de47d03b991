from uuid import uuid4

from django.db import models


class EventAction(models.TextChoices):
    MODEL_CREATED = "model_created"
    MODEL_UPDATED = "model_updated"
    MODEL_DELETED = "model_deleted"


class Event(models.Model):
    """One entry of the audit log: who changed which object, and how."""

    event_uuid = models.UUIDField(primary_key=True, default=uuid4, editable=False)
    action = models.TextField(choices=EventAction.choices)
    user = models.JSONField(default=dict, blank=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    context = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        model = self.context.get("model", {})
        return f"{self.action} {model.get('model_name', '')} {model.get('name', '')}"
