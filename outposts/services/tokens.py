"""Making, rotating and checking API tokens. Keys are shown once and stored hashed."""

import hmac
import secrets
from datetime import timedelta
from functools import cache

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Field, Model
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


# What authentication and the permission checks read of the token's user;
# the rest of the row (the password hash, the names, the dates) is left to
# load on first use, which the API never makes.
USER_COLUMNS = ("id", "username", "is_active", "is_staff", "is_superuser")


@cache
def _token_user_sql() -> tuple[str, type[Model], tuple[Field, ...]]:
    """One statement for the token and its user, written out once, the user
    model and the fields of the user columns it reads after the key hash.

    Every API request runs it; building it through the ORM each time cost
    more than running it. An expired token is left out by the statement, so
    no timestamp has to be read back.
    """
    user_model = get_user_model()
    user_meta = user_model._meta
    token_meta = Token._meta
    # In the model's order, which `from_db` expects of a partial row.
    user_fields = tuple(
        field for field in user_meta.concrete_fields if field.name in USER_COLUMNS
    )
    columns = ", ".join(
        [f't."{token_meta.get_field("key_hash").column}"']
        + [f'u."{field.column}"' for field in user_fields]
    )

    def column(name: str) -> str:
        return f't."{token_meta.get_field(name).column}"'

    sql = (
        f"SELECT {columns} "
        f'FROM "{token_meta.db_table}" t '
        f'JOIN "{user_meta.db_table}" u '
        f'ON u."{user_meta.pk.column}" = {column("user")} '
        f"WHERE {column('key_hash')} = %s AND {column('intent')} = %s "
        f"AND ({column('expiring')} = %s OR {column('expires')} > %s)"
    )
    return sql, user_model, user_fields


def token_user_for_key(key: str):
    """Return the active user an API key authenticates, or None.

    The lookup goes by the key's hash, which is unique and indexed; the hash
    found is compared again in constant time so no timing of the comparison
    depends on how much of the key matched.
    """
    wanted = hash_key(key)
    sql, user_model, user_fields = _token_user_sql()
    params = [
        wanted,
        TokenIntent.API.value,
        False,
        Token._meta.get_field("expires").get_db_prep_value(timezone.now(), connection),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None or not hmac.compare_digest(row[0], wanted):
        return None
    user = user_model.from_db(
        connection.alias,
        [field.attname for field in user_fields],
        row_values(user_fields, row[1:], connection.alias),
    )
    return user if user.is_active else None


def user_ensure(username: str):
    """Return the user `username`, creating it without a password if needed."""
    user, created = get_user_model().objects.get_or_create(username=username)
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user
