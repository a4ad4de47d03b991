"""Making, rotating and checking API tokens. Keys are shown once and stored hashed."""

import hmac
import secrets
from datetime import timedelta
from functools import cache

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Field
from django.utils import timezone

from outposts.models import Token, TokenIntent
from outposts.models.tokens import hash_key
from outposts.rows import row_values


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


TOKEN_COLUMNS = ("key_hash", "expiring", "expires")


@cache
def _token_user_sql() -> tuple[str, tuple[Field, ...]]:
    """One statement for the token and its user, written out once, and the
    fields of the columns it reads.

    Every API request runs it; building it through the ORM each time cost
    more than running it.
    """
    user_meta = get_user_model()._meta
    token_meta = Token._meta
    token_fields = tuple(token_meta.get_field(name) for name in TOKEN_COLUMNS)
    columns = ", ".join(
        [f't."{field.column}"' for field in token_fields]
        + [f'u."{field.column}"' for field in user_meta.concrete_fields]
    )

    def column(name: str) -> str:
        return f'"{token_meta.get_field(name).column}"'

    sql = (
        f"SELECT {columns} "
        f'FROM "{token_meta.db_table}" t '
        f'JOIN "{user_meta.db_table}" u '
        f'ON u."{user_meta.pk.column}" = t.{column("user")} '
        f"WHERE t.{column('key_hash')} = %s AND t.{column('intent')} = %s"
    )
    return sql, (*token_fields, *user_meta.concrete_fields)


def token_user_for_key(key: str):
    """Return the active user an API key authenticates, or None.

    The lookup goes by the key's hash, which is unique and indexed; the hash
    found is compared again in constant time so no timing of the comparison
    depends on how much of the key matched.
    """
    wanted = hash_key(key)
    sql, fields = _token_user_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [wanted, TokenIntent.API.value])
        row = cursor.fetchone()
    if row is None or not hmac.compare_digest(row[0], wanted):
        return None
    values = row_values(fields, row, connection.alias)
    expiring, expires = values[1], values[2]
    if expiring and (expires is None or expires <= timezone.now()):
        return None
    user_fields = fields[len(TOKEN_COLUMNS) :]
    user = get_user_model().from_db(
        connection.alias,
        [field.attname for field in user_fields],
        values[len(TOKEN_COLUMNS) :],
    )
    return user if user.is_active else None


def user_ensure(username: str):
    """Return the user `username`, creating it without a password if needed."""
    user, created = get_user_model().objects.get_or_create(username=username)
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user
