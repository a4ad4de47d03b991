from uuid import UUID

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from outposts.models import Outpost
from outposts.services.outposts import outpost_token_rotate


class Command(BaseCommand):
    help = (
        "Rotate the API token of an outpost (by uuid or name) and print the new key "
        "alone on the last line, to deploy its agent with."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("outpost", help="The outpost's uuid or name.")

    def handle(self, *args, outpost: str, **options) -> None:
        lookup = {"name": outpost}
        try:
            lookup = {"pk": UUID(outpost)}
        except ValueError:
            pass
        with transaction.atomic():
            found = Outpost.objects.select_for_update().filter(**lookup).first()
            if found is None:
                raise CommandError(f"No outpost matches {outpost!r}.")
            key = outpost_token_rotate(found)
        self.stdout.write(f"Rotated the API token of outpost {found.name}.")
        self.stdout.write(key)
