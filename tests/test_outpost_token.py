"""`manage.py outpost_token`: rotate an outpost's key for deploying its agent."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from outposts.models import Token
from outposts.services.tokens import token_user_for_key


def rotate(outpost: str) -> list[str]:
    out = StringIO()
    call_command("outpost_token", outpost, stdout=out)
    return out.getvalue().strip().splitlines()


@pytest.mark.parametrize("by", ["uuid", "name"])
def test_prints_a_working_key_last_and_retires_the_old_one(make_outpost, by):
    outpost = make_outpost()
    first = rotate(str(outpost.pk) if by == "uuid" else outpost.name)[-1]

    lines = rotate(str(outpost.pk) if by == "uuid" else outpost.name)

    assert lines[0] == f"Rotated the API token of outpost {outpost.name}."
    new_key = lines[-1]
    assert token_user_for_key(new_key).username == outpost.service_account_username
    assert token_user_for_key(first) is None
    assert Token.objects.filter(identifier=outpost.token_identifier).count() == 1


def test_unknown_outpost_is_an_error(db):
    with pytest.raises(CommandError) as error:
        rotate("no-such-outpost")

    assert str(error.value) == "No outpost matches 'no-such-outpost'."
