from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OutpostsConfig(AppConfig):
    name = "outposts"
    verbose_name = "Outposts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from outposts import signals

        post_migrate.connect(signals.ensure_embedded_after_migrate, sender=self)
        signals.connect()
