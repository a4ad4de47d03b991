from django.core.management.base import BaseCommand
from django.db import transaction

from outposts.models import (
    DockerServiceConnection,
    Flow,
    LDAPProvider,
    Outpost,
    OutpostType,
    ProxyProvider,
    RACProvider,
    RadiusProvider,
)
from outposts.services.outposts import service_account_sync
from outposts.services.tokens import token_issue, user_ensure

KINDS = {
    OutpostType.PROXY: ProxyProvider,
    OutpostType.LDAP: LDAPProvider,
    OutpostType.RADIUS: RadiusProvider,
    OutpostType.RAC: RACProvider,
}


class Command(BaseCommand):
    help = (
        "Replace all outposts with N benchmark outposts of M providers each, and "
        "print UUID=<first outpost> TOKEN=<superuser API key> for the load harness."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("outposts", type=int, nargs="?", default=100)
        parser.add_argument("providers", type=int, nargs="?", default=10)

    def handle(self, *args, outposts: int, providers: int, **options) -> None:
        with transaction.atomic():
            Outpost.objects.all().delete()
            for model in KINDS.values():
                model.objects.filter(name__startswith="bench-").delete()
            flows = [
                Flow.objects.get_or_create(
                    slug=f"bench-{i}", defaults={"name": "bench"}
                )[0]
                for i in range(3)
            ]
            connection, _ = DockerServiceConnection.objects.get_or_create(
                name="bench-local", defaults={"url": "unix:///var/run/docker.sock"}
            )
            types = list(KINDS)
            created = []
            for index in range(outposts):
                outpost_type = types[index % len(types)]
                outpost = Outpost.objects.create(
                    name=f"outpost-{index:05d}",
                    type=outpost_type,
                    service_connection=connection if index % 2 else None,
                    config={"log_level": "info", "refresh_interval": "minutes=5"},
                )
                model = KINDS[outpost_type]
                rows = [
                    model(
                        name=f"bench-{index:05d}-{number:03d}",
                        authentication_flow=flows[0],
                        authorization_flow=flows[1],
                        invalidation_flow=flows[2] if number % 2 else None,
                    )
                    for number in range(providers)
                ]
                # Multi-table inheritance cannot bulk-insert, so save row by row.
                for row in rows:
                    row.save()
                outpost.providers.set(rows)
                service_account_sync(outpost, {row.pk for row in rows})
                created.append(outpost)
            admin = user_ensure("bench-admin")
            admin.is_superuser = admin.is_staff = True
            admin.save()
            _, key = token_issue(user=admin, identifier="bench-admin-token")
        first = sorted(created, key=lambda outpost: outpost.name)[0]
        self.stdout.write(f"UUID={first.pk} TOKEN={key}")
