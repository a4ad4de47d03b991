"""Making, rotating and checking API tokens. Keys are shown once and stored hashed."""

import hmac
import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from outposts.models import Token, TokenIntent
from outposts.models.tokens import hash_key


def generate_key() -> str:
    return secrets.token_urlsafe(64)


def token_issue(
    *,
    user,
    identifier: str,
    key: str | None = None,
    expires_in: timedelta | None = None,
    description: str = "",
    managed: str | None = None,
) -> tuple[Token, str]:
    """Create or re-key the API token `identifier` of `user`; return it and its key."""
    key = key or generate_key()
    expires = timezone.now() + expires_in if expires_in is not None else None
    token, _ = Token.objects.update_or_create(
        identifier=identifier,
        defaults={
            "key_hash": hash_key(key),
            "user": user,
            "intent": TokenIntent.API,
            "expiring": expires_in is not None,
            "expires": expires,
            "description": description,
            "managed": managed,
        },
    )
    return token, key


def token_user_for_key(key: str):
    """Return the active user an API key authenticates, or None.

    The lookup goes by the key's hash, which is unique and indexed; the hash
    found is compared again in constant time so no timing of the comparison
    depends on how much of the key matched.
    """
    wanted = hash_key(key)
    token = (
        Token.objects.select_related("user")
        .filter(key_hash=wanted, intent=TokenIntent.API)
        .first()
    )
    if token is None or not hmac.compare_digest(token.key_hash, wanted):
        return None
    if token.is_expired or not token.user.is_active:
        return None
    return token.user


def user_ensure(username: str):
    """Return the user `username`, creating it without a password if needed."""
    user, created = get_user_model().objects.get_or_create(username=username)
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user
