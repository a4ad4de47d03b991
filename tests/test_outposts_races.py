"""A change to an outpost's own fields is written in one statement that finds
its diff against the row as stored when the statement runs: a write that
lands between the request's validation and its statement is neither lost
nor misreported in the audit log."""

import pytest
from django.db import connection

from outposts.api.viewsets import outposts as outposts_view
from outposts.models import Event, EventAction, Outpost
from outposts.services.outpost_fields import outpost_fields_update

URL = "/api/v3/outposts/instances/"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def raced(monkeypatch):
    """Another writer renames the outpost and changes its config after each
    request is validated, just before the request's own statement."""
    races = []

    def raced_update(pk, changes, **kwargs):
        stored = Outpost.objects.get(pk=pk)
        Outpost.objects.filter(pk=pk).update(
            name=f"{stored.name}-raced", config={"by": "other"}
        )
        races.append(pk)
        return outpost_fields_update(pk, changes, **kwargs)

    monkeypatch.setattr(outposts_view, "outpost_fields_update", raced_update)
    return races


def updates_of(outpost: Outpost) -> list[dict]:
    events = Event.objects.filter(
        action=EventAction.MODEL_UPDATED, context__model__pk=str(outpost.pk)
    ).order_by("created")
    return [event.context for event in events]


def test_a_change_keeps_what_a_write_before_it_changed(
    admin_client, make_outpost, raced
):
    assert connection.vendor == "postgresql"
    outpost = make_outpost(name="first", config={"log_level": "info"})

    response = admin_client.patch(
        f"{URL}{outpost.pk}/", {"config": {"log_level": "debug"}}, format="json"
    )

    assert response.status_code == 200
    assert raced == [outpost.pk]
    # The other writer's name stays, with this request's config, in the
    # response and in the row.
    assert response.json()["name"] == "first-raced"
    assert response.json()["config"] == {"log_level": "debug"}
    stored = Outpost.objects.get(pk=outpost.pk)
    assert (stored.name, stored.config) == ("first-raced", {"log_level": "debug"})
    # The diff starts from the config the other writer left, and the event
    # names the outpost as it is now.
    [context] = updates_of(outpost)
    assert context["diff"] == {
        "config": {
            "previous_value": {"by": "other"},
            "new_value": {"log_level": "debug"},
        }
    }
    assert context["model"]["name"] == "first-raced"


def test_a_change_to_what_a_write_before_it_wrote_is_audited_against_it(
    admin_client, make_outpost, raced
):
    outpost = make_outpost(name="second")

    response = admin_client.patch(
        f"{URL}{outpost.pk}/", {"name": "chosen"}, format="json"
    )

    assert response.status_code == 200
    [context] = updates_of(outpost)
    assert context["diff"] == {
        "name": {"previous_value": "second-raced", "new_value": "chosen"}
    }
    assert context["model"]["name"] == "chosen"


def test_a_change_to_the_values_stored_writes_nothing(admin_client, make_outpost):
    outpost = make_outpost(name="same", config={"log_level": "info"})

    response = admin_client.patch(
        f"{URL}{outpost.pk}/",
        {"name": "same", "config": {"log_level": "info"}},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["name"] == "same"
    assert updates_of(outpost) == []


def test_a_change_is_one_round_trip_after_the_token(
    admin_client, make_outpost, make_provider, django_assert_num_queries
):
    outpost = make_outpost(name="fourth", providers=[make_provider()])

    # token, then the write with its event in one statement and the
    # outpost's providers, sent together
    with django_assert_num_queries(3):
        response = admin_client.patch(
            f"{URL}{outpost.pk}/", {"name": "fifth"}, format="json"
        )

    assert response.status_code == 200
    assert len(response.json()["providers_obj"]) == 1
    assert updates_of(outpost)[0]["diff"] == {
        "name": {"previous_value": "fourth", "new_value": "fifth"}
    }


def test_a_missing_outpost_is_left_to_the_locked_path(admin_client):
    missing = "00000000-0000-4000-8000-000000000000"

    response = admin_client.patch(f"{URL}{missing}/", {"name": "x"}, format="json")

    assert response.status_code == 404
    assert response.json() == {
        "detail": "No Outpost matches the given query.",
        "code": "not_found",
    }


def test_a_bad_change_to_a_missing_outpost_is_a_404(admin_client):
    missing = "00000000-0000-4000-8000-000000000000"

    response = admin_client.patch(f"{URL}{missing}/", {"name": ""}, format="json")

    assert response.status_code == 404


def test_taken_names_are_refused_each_time_and_the_outpost_stays_writable(
    admin_client, make_outpost
):
    make_outpost(name="taken")
    outpost = make_outpost(name="mine")
    url = f"{URL}{outpost.pk}/"

    # Enough times for the statements to be prepared on the connection
    # between failures.
    for attempt in range(6):
        accepted = admin_client.patch(url, {"name": f"mine-{attempt}"}, format="json")
        assert accepted.status_code == 200
        refused = admin_client.patch(url, {"name": "taken"}, format="json")
        assert refused.status_code == 400
        assert refused.json()["name"] == ["Outpost with this name already exists."]

    assert Outpost.objects.get(pk=outpost.pk).name == "mine-5"
