from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from outposts.models import Token
from outposts.models.tokens import hash_key
from outposts.services.outposts import embedded_outpost_ensure
from outposts.services.tokens import token_issue

BOOTSTRAP_USERNAME = "akadmin"
BOOTSTRAP_TOKEN_IDENTIFIER = "authentik-bootstrap-token"


class Command(BaseCommand):
    help = (
        "Ensure the embedded outpost exists and, when OUTPOSTS_BOOTSTRAP_PASSWORD or "
        "OUTPOSTS_BOOTSTRAP_TOKEN are set, the superuser akadmin and its API token."
    )

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            embedded_outpost_ensure()
            if settings.BOOTSTRAP_PASSWORD or settings.BOOTSTRAP_TOKEN:
                self._ensure_admin()

    def _ensure_admin(self) -> None:
        user, created = get_user_model().objects.get_or_create(
            username=BOOTSTRAP_USERNAME,
            defaults={"is_superuser": True, "is_staff": True},
        )
        changed = created
        if not (user.is_superuser and user.is_staff and user.is_active):
            user.is_superuser = user.is_staff = user.is_active = True
            changed = True
        password = settings.BOOTSTRAP_PASSWORD
        if password and not user.check_password(password):
            user.set_password(password)
            changed = True
        if created and not password:
            user.set_unusable_password()
        if changed:
            user.save()
            self.stdout.write(f"Bootstrap user {BOOTSTRAP_USERNAME} is ready.")

        key = settings.BOOTSTRAP_TOKEN
        if not key:
            return
        current = Token.objects.filter(identifier=BOOTSTRAP_TOKEN_IDENTIFIER).first()
        if (
            current is not None
            and current.key_hash == hash_key(key)
            and current.user_id == user.pk
            and not current.expiring
        ):
            return
        token_issue(
            user=user,
            identifier=BOOTSTRAP_TOKEN_IDENTIFIER,
            key=key,
            description="API token from OUTPOSTS_BOOTSTRAP_TOKEN",
        )
        self.stdout.write("Bootstrap API token is ready.")
