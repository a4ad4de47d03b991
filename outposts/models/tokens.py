import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


def hash_key(key: str) -> str:
    """Return the stored form of a token key.

    Keys are long random strings, so a single SHA-256 is enough to make the
    stored value useless to a reader of the database, and it stays indexable.
    """
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def default_expiry():
    return timezone.now() + timedelta(minutes=30)


class TokenIntent(models.TextChoices):
    VERIFICATION = "verification"
    API = "api"
    RECOVERY = "recovery"
    APP_PASSWORD = "app_password"


class Token(models.Model):
    """A credential for one user; only its hash is stored, never the key."""

    identifier = models.SlugField(max_length=255, unique=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    intent = models.TextField(
        choices=TokenIntent.choices, default=TokenIntent.VERIFICATION
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tokens"
    )
    description = models.TextField(blank=True, default="")
    expiring = models.BooleanField(default=True)
    expires = models.DateTimeField(null=True, blank=True, default=default_expiry)
    managed = models.TextField(null=True, blank=True, unique=True, default=None)

    class Meta:
        ordering = ["identifier"]

    def __str__(self) -> str:
        return self.identifier

    @property
    def is_expired(self) -> bool:
        return self.expiring and (
            self.expires is None or self.expires <= timezone.now()
        )
