"""A change to an outpost made without its row lock, raced by another write
between its read and its write: it is made again under the lock, against
what the other write left, and the audit log shows both in order."""

import pytest
from django.db import connection

from outposts.api.viewsets import outposts as outposts_view
from outposts.models import Event, EventAction, Outpost
from outposts.selectors import outpost_versioned

URL = "/api/v3/outposts/instances/"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def raced(monkeypatch):
    """Make every unlocked read of an outpost followed by another writer's
    rename of it, committed before the write that read it."""
    reads = []

    def read_then_raced(pk):
        found = outpost_versioned(pk)
        reads.append(pk)
        Outpost.objects.filter(pk=pk).update(name=f"{found.outpost.name}-raced")
        return found

    monkeypatch.setattr(outposts_view, "outpost_versioned", read_then_raced)
    monkeypatch.setattr(outposts_view, "RACES", outposts_view.RecentRaces(60))
    return reads


def updates_of(outpost: Outpost) -> list[dict]:
    events = Event.objects.filter(
        action=EventAction.MODEL_UPDATED, context__model__pk=str(outpost.pk)
    ).order_by("created")
    return [event.context["diff"] for event in events]


def test_a_raced_change_is_made_again_under_the_lock(admin_client, make_outpost, raced):
    assert connection.vendor == "postgresql"
    outpost = make_outpost(name="first", config={"log_level": "info"})

    response = admin_client.patch(
        f"{URL}{outpost.pk}/", {"config": {"log_level": "debug"}}, format="json"
    )

    assert response.status_code == 200
    # The response and the row show the other writer's name with this
    # request's config: nothing the other write did was lost.
    assert response.json()["name"] == "first-raced"
    assert response.json()["config"] == {"log_level": "debug"}
    stored = Outpost.objects.get(pk=outpost.pk)
    assert (stored.name, stored.config) == ("first-raced", {"log_level": "debug"})
    # One event, written by the locked attempt: the unlocked one wrote none.
    assert updates_of(outpost) == [
        {
            "config": {
                "previous_value": {"log_level": "info"},
                "new_value": {"log_level": "debug"},
            }
        }
    ]
    assert len(raced) == 1


def test_a_raced_rename_is_checked_against_the_name_stored_now(
    admin_client, make_outpost, raced
):
    outpost = make_outpost(name="second")

    response = admin_client.patch(
        f"{URL}{outpost.pk}/", {"name": "chosen"}, format="json"
    )

    assert response.status_code == 200
    assert updates_of(outpost) == [
        {"name": {"previous_value": "second-raced", "new_value": "chosen"}}
    ]


def test_an_outpost_that_lost_a_race_is_then_written_under_the_lock(
    admin_client, make_outpost, raced
):
    outpost = make_outpost(name="third")
    url = f"{URL}{outpost.pk}/"

    admin_client.patch(url, {"config": {"a": 1}}, format="json")
    response = admin_client.patch(url, {"config": {"b": 2}}, format="json")

    assert response.status_code == 200
    assert response.json()["config"] == {"b": 2}
    # Only the first request tried without the lock.
    assert len(raced) == 1


def test_an_unraced_change_is_one_read_and_one_write(
    admin_client, make_outpost, django_assert_num_queries
):
    outpost = make_outpost(name="fourth", providers=[])

    # token, the row with its version, its providers, and the update with
    # its audit event in one statement
    with django_assert_num_queries(4):
        response = admin_client.patch(
            f"{URL}{outpost.pk}/", {"name": "fifth"}, format="json"
        )

    assert response.status_code == 200
    assert Outpost.objects.get(pk=outpost.pk).name == "fifth"
    assert updates_of(outpost) == [
        {"name": {"previous_value": "fourth", "new_value": "fifth"}}
    ]
