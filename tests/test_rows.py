"""Single-row writes joined into one statement, and sent only on success;
writes made without the row lock, applied only to the version read."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from outposts.models import Event, EventAction, Outpost
from outposts.rows import (
    ROW_VERSION_SQL,
    joined_writes,
    row_insert,
    row_update,
    row_update_if_unchanged,
)


def rename_and_record(outpost: Outpost, name: str) -> Event:
    outpost.name = name
    row_update(outpost, ["name"])
    event = Event(action=EventAction.MODEL_UPDATED, context={"renamed": name})
    row_insert(event)
    return event


def test_joined_writes_are_one_statement_on_postgresql(make_outpost):
    outpost = make_outpost(name="before")

    with CaptureQueriesContext(connection) as queries, joined_writes():
        event = rename_and_record(outpost, "after")
        assert len(queries) == 0  # nothing is sent before the block ends

    assert connection.vendor == "postgresql"
    assert len(queries) == 1
    assert queries[0]["sql"].startswith("WITH w0 AS (UPDATE")
    assert Outpost.objects.get(pk=outpost.pk).name == "after"
    assert Event.objects.get(pk=event.pk).context == {"renamed": "after"}


def test_joined_writes_of_a_failed_block_are_never_sent(make_outpost):
    outpost = make_outpost(name="kept")

    with pytest.raises(RuntimeError), joined_writes():
        event = rename_and_record(outpost, "lost")
        raise RuntimeError("the caller changed its mind")

    assert Outpost.objects.get(pk=outpost.pk).name == "kept"
    assert not Event.objects.filter(pk=event.pk).exists()


def test_writes_outside_a_block_run_at_once(make_outpost):
    outpost = make_outpost(name="now")

    with CaptureQueriesContext(connection) as queries:
        rename_and_record(outpost, "immediately")

    assert [query["sql"].split()[0] for query in queries] == ["UPDATE", "INSERT"]


@pytest.mark.django_db(transaction=True)
def test_a_versioned_update_applies_while_the_row_is_unchanged():
    outpost = Outpost.objects.create(name="versioned")
    version = row_version(outpost)
    outpost.name = "renamed"
    event = Event(action=EventAction.MODEL_UPDATED, context={"renamed": "yes"})

    with CaptureQueriesContext(connection) as queries:
        applied = row_update_if_unchanged(
            outpost, ["name"], version, then_insert=[event]
        )

    assert applied
    assert len(queries) == 1
    assert Outpost.objects.get(pk=outpost.pk).name == "renamed"
    assert Event.objects.get(pk=event.pk).context == {"renamed": "yes"}
    assert row_version(outpost) != version


@pytest.mark.django_db(transaction=True)
def test_a_versioned_update_of_a_changed_row_writes_nothing():
    outpost = Outpost.objects.create(name="read")
    version = row_version(outpost)
    # Another writer comes between the read and the write.
    Outpost.objects.filter(pk=outpost.pk).update(config={"by": "other"})
    outpost.name = "stale"
    event = Event(action=EventAction.MODEL_UPDATED)

    applied = row_update_if_unchanged(outpost, ["name"], version, then_insert=[event])

    assert not applied
    stored = Outpost.objects.get(pk=outpost.pk)
    assert (stored.name, stored.config) == ("read", {"by": "other"})
    assert not Event.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_a_lock_alone_leaves_the_version_as_it_was():
    outpost = Outpost.objects.create(name="locked")
    version = row_version(outpost)

    with transaction.atomic():
        Outpost.objects.select_for_update().get(pk=outpost.pk)

    assert row_version(outpost) == version


def row_version(outpost: Outpost) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT {ROW_VERSION_SQL} FROM "outposts_outpost" WHERE "uuid" = %s',
            [outpost.pk],
        )
        return cursor.fetchone()[0]
