"""The two ways of reading a page's providers agree with each other."""

from django.db import connection

from outposts import selectors
from outposts.models import Application, Flow, PropertyMapping


def test_postgres_and_portable_rows_are_the_same(make_outpost, make_provider, db):
    flow = Flow.objects.create(name="f", slug="f")
    mappings = [PropertyMapping.objects.create(name=name) for name in ("b", "a")]
    proxy = make_provider("proxy", application="web")
    proxy.authentication_flow = flow
    proxy.save()
    proxy.property_mappings.set(mappings)
    backchannel_app = Application.objects.create(name="Back", slug="back")
    ldap = make_provider("ldap")
    ldap.backchannel_application = backchannel_app
    ldap.save()
    first = make_outpost(providers=[proxy])
    second = make_outpost(type="ldap", providers=[ldap])
    ids = [first.pk, second.pk]

    assert connection.vendor == "postgresql"
    postgres = selectors._postgres_rows(ids)
    portable = selectors._portable_rows(ids)

    def normalized(rows):
        # The portable path returns UUID objects where PostgreSQL returns text.
        return [
            tuple(
                [str(v) for v in value]
                if isinstance(value, list)
                else (str(value) if value is not None and i in (3, 4, 5) else value)
                for i, value in enumerate(row)
            )
            for row in rows
        ]

    assert [bool(flag) for flag in postgres[0][6:10]] == [True, False, False, False]
    assert [row[:6] + row[10:] for row in normalized(postgres)] == [
        row[:6] + row[10:] for row in normalized(portable)
    ]
    assert [[bool(f) for f in row[6:10]] for row in postgres] == [
        [bool(f) for f in row[6:10]] for row in portable
    ]
    assert postgres[0][-1] == [str(mappings[1].pk), str(mappings[0].pk)]
    shaped = selectors.providers_by_outpost(ids)
    assert shaped[str(second.pk)][0].shape["assigned_backchannel_application_slug"] == (
        "back"
    )
    assert shaped[str(first.pk)][0].shape["assigned_application_slug"] == "web"
