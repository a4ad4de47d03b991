from django.core.management.base import BaseCommand
from django.db import connection, transaction

from outposts.models import (
    DockerServiceConnection,
    Flow,
    LDAPProvider,
    Outpost,
    OutpostType,
    Provider,
    ProxyProvider,
    RACProvider,
    RadiusProvider,
)
from outposts.services.tokens import token_issue, user_ensure

KINDS = {
    OutpostType.PROXY: ProxyProvider,
    OutpostType.LDAP: LDAPProvider,
    OutpostType.RADIUS: RadiusProvider,
    OutpostType.RAC: RACProvider,
}
PREFIX = "bench-"


class Command(BaseCommand):
    help = (
        "Replace all outposts with N benchmark outposts, the first 100 (by name) "
        "with M providers each and the rest with one, and print UUID=<first "
        "outpost> TOKEN=<superuser API key> for the load harness."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("outposts", type=int, nargs="?", default=100)
        parser.add_argument("providers", type=int, nargs="?", default=10)

    def handle(self, *args, outposts: int, providers: int, **options) -> None:
        with transaction.atomic():
            Outpost.objects.all().delete()
            Provider.objects.filter(name__startswith=PREFIX).delete()
            flows = [
                Flow.objects.get_or_create(slug=f"{PREFIX}{i}", defaults={"name": "b"})[
                    0
                ]
                for i in range(3)
            ]
            connection_row, _ = DockerServiceConnection.objects.get_or_create(
                name=f"{PREFIX}local", defaults={"url": "unix:///var/run/docker.sock"}
            )
            types = list(KINDS)
            rows = Outpost.objects.bulk_create(
                Outpost(
                    name=f"outpost-{index:05d}",
                    type=types[index % len(types)],
                    service_connection=connection_row if index % 2 else None,
                    config={"log_level": "info", "refresh_interval": "minutes=5"},
                )
                for index in range(outposts)
            )
            self._attach_providers(rows, providers, flows)
            admin = user_ensure(f"{PREFIX}admin")
            admin.is_superuser = admin.is_staff = True
            admin.save()
            _, key = token_issue(user=admin, identifier=f"{PREFIX}admin-token")
        if connection.vendor == "postgresql":
            # Rows replaced or updated by earlier runs stay behind as dead
            # tuples until a vacuum (and autovacuum may be off), slowing every
            # lookup of the next run; each run starts from a clean table.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        self.stdout.write(f"UUID={rows[0].pk} TOKEN={key}")

    def _attach_providers(self, outposts: list[Outpost], per_outpost: int, flows):
        planned = []
        for index, outpost in enumerate(outposts):
            count = per_outpost if index < 100 else 1
            planned.extend(
                (
                    outpost,
                    Provider(
                        name=f"{PREFIX}{index:05d}-{number:03d}",
                        authentication_flow=flows[0],
                        authorization_flow=flows[1],
                        invalidation_flow=flows[2] if number % 2 else None,
                    ),
                )
                for number in range(count)
            )
        created = Provider.objects.bulk_create(provider for _, provider in planned)
        # Multi-table inheritance cannot bulk-create the kind rows through the
        # ORM, so they are inserted directly beside their base rows.
        with connection.cursor() as cursor:
            for outpost_type, model in KINDS.items():
                ids = [
                    (provider.pk,)
                    for (outpost, _), provider in zip(planned, created, strict=True)
                    if outpost.type == outpost_type
                ]
                columns = [
                    field.column
                    for field in model._meta.local_concrete_fields
                    if field.column != "provider_ptr_id"
                ]
                defaults = [
                    model._meta.get_field(field.name).get_default()
                    for field in model._meta.local_concrete_fields
                    if field.column != "provider_ptr_id"
                ]
                placeholders = ", ".join(["%s"] * (len(columns) + 1))
                cursor.executemany(
                    f'INSERT INTO "{model._meta.db_table}" '
                    f"(provider_ptr_id{''.join(', ' + c for c in columns)}) "
                    f"VALUES ({placeholders})",
                    [(pk, *defaults) for (pk,) in ids],
                )
        through = Outpost.providers.through
        through.objects.bulk_create(
            through(outpost_id=outpost.pk, provider_id=provider.pk)
            for (outpost, _), provider in zip(planned, created, strict=True)
        )
