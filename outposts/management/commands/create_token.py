from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.crypto import get_random_string

from outposts.models import Token
from outposts.models.tokens import hash_key
from outposts.services.tokens import token_issue, user_ensure


class Command(BaseCommand):
    help = (
        "Create an API token for USERNAME (created without a password if missing) "
        "and print its key alone on the last line."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--key", help="Use this key instead of a random one.")
        parser.add_argument(
            "--expires-in",
            type=int,
            metavar="SECONDS",
            help="Expire the token after this many seconds (default: never).",
        )

    def handle(self, *args, username: str, key: str | None, expires_in, **options):
        if key is not None and not key.strip():
            raise CommandError("--key must not be empty.")
        if key and Token.objects.filter(key_hash=hash_key(key)).exists():
            raise CommandError("A token with this key already exists.")
        if expires_in is not None and expires_in <= 0:
            raise CommandError("--expires-in must be a positive number of seconds.")
        with transaction.atomic():
            user = user_ensure(username)
            identifier = f"{username}-api-{get_random_string(8).lower()}"
            _, issued_key = token_issue(
                user=user,
                identifier=identifier,
                key=key,
                expires_in=timedelta(seconds=expires_in) if expires_in else None,
                description="Created with manage.py create_token",
            )
        self.stdout.write(f"Created API token {identifier} for {username}.")
        self.stdout.write(issued_key)
