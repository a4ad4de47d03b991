"""Single-row writes joined into one statement, and sent only on success."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from outposts.models import Event, EventAction, Outpost
from outposts.rows import joined_writes, row_insert, row_update


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
