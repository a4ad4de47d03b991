"""A catalogue of hostile and odd inputs: each gets its exact answer and changes
nothing. Inputs already covered by test_outposts_errors.py and
test_outposts_validation.py are not repeated; the live-server cases go through
uvicorn and the ASGI body limit as a real client's request does."""

import json
import socket
from urllib.parse import urlsplit

import pytest

from outposts.models import Event, Outpost
from tests.reliability import outpost_create, outpost_state, provider_create

URL = "/api/v3/outposts/instances/"
TOO_LARGE = {
    "detail": "Request body is larger than 1048576 bytes.",
    "code": "request_too_large",
}


def invalid(**errors) -> dict:
    return {**errors, "code": "invalid"}


def parse_error(reason: str) -> dict:
    return {"detail": f"JSON parse error - {reason}", "code": "parse_error"}


@pytest.fixture
def outpost(make_outpost):
    return make_outpost(name="edge", config={"log_level": "debug"})


def state(outpost) -> tuple:
    outpost.refresh_from_db()
    providers = sorted(outpost.providers.values_list("pk", flat=True))
    events = list(Event.objects.values_list("pk", flat=True))
    return outpost.name, outpost.config, outpost.managed, providers, events


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"config": {"log_level": "a\x00b"}},
            invalid(config=["Null characters are not allowed."]),
        ),
        (
            {"config": {"docker_labels": {"a\x00": "b"}}},
            invalid(config=["Null characters are not allowed."]),
        ),
        ({"name": ["edge-2"]}, invalid(name=["Not a valid string."])),
        ({"name": {"value": "edge-2"}}, invalid(name=["Not a valid string."])),
        ({"type": ["proxy"]}, invalid(type=["\"['proxy']\" is not a valid choice."])),
        (
            {"providers": "1,2"},
            invalid(providers=['Expected a list of items but got type "str".']),
        ),
        (
            {"providers": [[1]]},
            invalid(providers=["Incorrect type. Expected pk value, received list."]),
        ),
        (
            {"providers": [2**63]},
            invalid(providers=[f'Invalid pk "{2**63}" - object does not exist.']),
        ),
        (
            {"providers": [2**64]},
            invalid(providers=[f'Invalid pk "{2**64}" - object does not exist.']),
        ),
        (
            {"providers": [-(2**63) - 1]},
            invalid(
                providers=[f'Invalid pk "{-(2**63) - 1}" - object does not exist.']
            ),
        ),
        (
            {"providers": [str(10**30)]},
            invalid(providers=[f'Invalid pk "{10**30}" - object does not exist.']),
        ),
        (
            {"name": "x" * 100_000},
            invalid(name=["Ensure this field has no more than 255 characters."]),
        ),
        (
            {"managed": "".join(chr(0x4E00 + i % 20000) for i in range(100_000))},
            invalid(managed=["Ensure this field has no more than 255 characters."]),
        ),
    ],
)
def test_bad_values_are_400_and_change_nothing(admin_client, outpost, body, expected):
    before = state(outpost)

    response = admin_client.patch(f"{URL}{outpost.pk}/", body)

    assert response.status_code == 400
    assert response.json() == expected
    assert state(outpost) == before


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'{"a": ' * 100_000 + b"1" + b"}" * 100_000, "Document nested too deeply"),
        (b'{"config": {"x": 1e400}}', "Number 1e400 is out of range"),
        (b'{"config": {"x": -1e400}}', "Number -1e400 is out of range"),
        (b'{"config": {"x": "\\udfff"}}', "Lone surrogate escape in a string"),
        (b'{"config": {"\\ud800": 1}}', "Lone surrogate escape in a string"),
        (b'{"name": "a\\uDBFFb"}', "Lone surrogate escape in a string"),
        (b'{"name": "edge", "name": "edge"}', "Duplicate key 'name'"),
        (b'{"name": "caf\xe9"}', "Invalid UTF-8: invalid continuation byte"),
    ],
)
def test_malformed_documents_are_parse_errors(admin_client, outpost, raw, reason):
    before = state(outpost)

    response = admin_client.generic(
        "PATCH", f"{URL}{outpost.pk}/", raw, "application/json"
    )

    assert response.status_code == 400
    assert response.json() == parse_error(reason)
    assert state(outpost) == before


def test_integers_beyond_64_bits_in_config_are_kept_and_returned(admin_client, outpost):
    config = {"custom": {"big": 2**70, "negative": -(2**65), "list": [2**64]}}

    response = admin_client.patch(f"{URL}{outpost.pk}/", {"config": config})

    assert response.status_code == 200
    assert response.json()["config"] == config
    assert admin_client.get(f"{URL}{outpost.pk}/").json()["config"] == config


def test_escaped_surrogate_pairs_are_one_character(admin_client, outpost):
    raw = b'{"name": "rocket \\ud83d\\ude80"}'

    response = admin_client.generic(
        "PATCH", f"{URL}{outpost.pk}/", raw, "application/json"
    )

    assert response.status_code == 200
    assert response.json()["name"] == "rocket \U0001f680"


@pytest.mark.parametrize(
    "name",
    [
        "Ωμέγα outpost",
        "名前 🚀",
        "emoji \U0001f9d1\u200d\U0001f680 zwj",
        "e\u0301 combining",
        "\u202eright to left",
        "x" * 255,
    ],
)
def test_unicode_and_long_names_round_trip(admin_client, make_provider, name):
    provider = make_provider("proxy")
    body = {"name": name, "type": "proxy", "providers": [provider.pk], "config": {}}

    created = admin_client.post(URL, body)

    assert created.status_code == 201, created.json()
    assert created.json()["name"] == name
    assert Outpost.objects.get(pk=created.json()["pk"]).name == name
    found = admin_client.get(URL, {"name__iexact": name}).json()["results"]
    assert [item["pk"] for item in found] == [created.json()["pk"]]


def test_unknown_and_read_only_fields_on_create_are_ignored(
    admin_client, make_provider
):
    provider = make_provider("proxy")
    body = {
        "name": "fresh",
        "type": "proxy",
        "providers": [provider.pk],
        "config": {},
        "pk": "00000000-0000-4000-8000-000000000000",
        "token_identifier": "mine",
        "refresh_interval_s": 1,
        "is_superuser": True,
    }

    response = admin_client.post(URL, body)

    assert response.status_code == 201
    pk = response.json()["pk"]
    assert pk != body["pk"]
    assert response.json()["token_identifier"] == f"ak-outpost-{pk}-api"
    assert response.json()["refresh_interval_s"] == 300


@pytest.mark.parametrize("method", ["post", "put"])
def test_empty_body_on_create_and_put_lists_required_fields(
    admin_client, outpost, method
):
    url = URL if method == "post" else f"{URL}{outpost.pk}/"
    before = state(outpost)
    count = Outpost.objects.count()

    response = admin_client.generic(method.upper(), url, b"", "application/json")

    assert response.status_code == 400
    required = ["This field is required."]
    assert response.json() == invalid(
        name=required, type=required, providers=required, config=required
    )
    assert state(outpost) == before
    assert Outpost.objects.count() == count


@pytest.mark.parametrize(
    "raw", [b'{"name": "other"}', b"\xff\xfe not json", b"[" * 1000]
)
def test_body_on_get_is_ignored(admin_client, outpost, raw):
    plain = admin_client.get(f"{URL}{outpost.pk}/")

    response = admin_client.generic(
        "GET", f"{URL}{outpost.pk}/", raw, "application/json"
    )

    assert response.status_code == 200
    assert response.json() == plain.json()


@pytest.mark.parametrize(
    ("query", "status", "expected"),
    [
        (
            {"search": "\x00"},
            400,
            invalid(non_field_errors=["Null characters are not allowed."]),
        ),
        (
            {"name__icontains": "\x00"},
            400,
            invalid(name__icontains=["Null characters are not allowed."]),
        ),
        ({"ordering": "\x00name"}, 200, None),
        ({"page_size": str(2**70)}, 200, None),
        ({"page": str(2**70)}, 404, {"detail": "Invalid page.", "code": "not_found"}),
        (
            {"providers_by_pk": str(2**70)},
            400,
            invalid(
                providers_by_pk=[
                    f"Select a valid choice. {2**70} is not one of the available "
                    "choices."
                ]
            ),
        ),
    ],
)
def test_hostile_query_parameters(admin_client, outpost, query, status, expected):
    response = admin_client.get(URL, {"name__iexact": "edge", **query})

    assert response.status_code == status
    if expected is not None:
        assert response.json() == expected
    else:
        assert [item["pk"] for item in response.json()["results"]] == [str(outpost.pk)]


@pytest.mark.parametrize("pk", [str(2**70), str(-(2**63) - 1), "1e3", "%00"])
def test_hostile_provider_ids_in_paths_are_404(admin_client, pk):
    response = admin_client.get(f"/api/v3/providers/all/{pk}/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- The same through the real server -------------------------------------------


@pytest.fixture(scope="module")
def live_outpost(app_server):
    provider = provider_create(app_server, "proxy", "inputs-live-provider")
    with app_server.client() as client:
        return outpost_create(client, "inputs-live", [provider])


def raw_request(server, head: str, body_parts: list[bytes], read_timeout=10) -> bytes:
    """Send a request by hand and return what the server answered before closing.

    The head goes out with the first part in one write, so a server that answers
    at once has read everything sent so far and closes cleanly.
    """
    parts = urlsplit(server.url)
    with socket.create_connection(
        (parts.hostname, parts.port), timeout=read_timeout
    ) as sock:
        first, *rest = body_parts
        sock.sendall(head.encode() + first)
        for part in rest:
            sock.sendall(part)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def split_response(answer: bytes) -> tuple[int, dict, bytes]:
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers, body


def request_head(server, method: str, path: str, framing: str) -> str:
    return (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {server.token}\r\n"
        f"Content-Type: application/json\r\n{framing}\r\n"
    )


def test_20_mb_body_is_refused_before_it_is_read(app_server, live_outpost):
    before = outpost_state(app_server, live_outpost["pk"])
    path = f"{URL}{live_outpost['pk']}/"
    head = request_head(app_server, "PATCH", path, f"Content-Length: {20 * 2**20}\r\n")

    # Only the first 16 KiB of the announced 20 MB are ever sent: the server
    # answers and closes the connection without waiting for the rest.
    answer = raw_request(app_server, head, [b'{"name": "' + b"x" * 16384])

    status, headers, body = split_response(answer)
    assert status == 413
    assert headers["content-type"] == "application/json"
    assert headers["connection"] == "close"
    assert json.loads(body) == TOO_LARGE
    assert outpost_state(app_server, live_outpost["pk"]) == before


def test_chunked_body_growing_past_the_limit_is_refused(app_server, live_outpost):
    before = outpost_state(app_server, live_outpost["pk"])
    path = f"{URL}{live_outpost['pk']}/"
    head = request_head(app_server, "PATCH", path, "Transfer-Encoding: chunked\r\n")
    chunk = b"%x\r\n%s\r\n" % (65536, b" " * 65536)

    # One byte and 16 chunks of 64 KiB pass the limit by one byte, the last one
    # sent; the closing chunk that would end the body is never sent.
    answer = raw_request(app_server, head, [b"1\r\n{\r\n", *[chunk] * 16])

    status, headers, body = split_response(answer)
    assert status == 413
    assert json.loads(body) == TOO_LARGE
    assert outpost_state(app_server, live_outpost["pk"]) == before


def test_body_of_exactly_the_limit_is_served(app_server, live_outpost):
    document = json.dumps({"config": {"log_level": "warning"}}).encode()
    padded = document + b" " * (2**20 - len(document))

    with app_server.client() as client:
        response = client.patch(
            f"{URL}{live_outpost['pk']}/",
            content=padded,
            headers={"Content-Type": "application/json"},
        )
        over = client.patch(
            f"{URL}{live_outpost['pk']}/",
            content=padded + b" ",
            headers={"Content-Type": "application/json"},
        )

    assert response.status_code == 200
    assert response.json()["config"] == {"log_level": "warning"}
    assert over.status_code == 413
    assert over.json() == TOO_LARGE


@pytest.mark.parametrize(
    ("raw", "status", "expected"),
    [
        (
            b'{"name": "a\\u0000b"}',
            400,
            invalid(name=["Null characters are not allowed."]),
        ),
        (
            b'{"config": {"k\\u0000": "v"}}',
            400,
            invalid(config=["Null characters are not allowed."]),
        ),
        (
            b"[" * 100_000 + b"]" * 100_000,
            400,
            parse_error("Document nested too deeply"),
        ),
        (b'{"name": "a", "name": "b"}', 400, parse_error("Duplicate key 'name'")),
        (
            b'{"name": "\xc3\x28"}',
            400,
            parse_error("Invalid UTF-8: invalid continuation byte"),
        ),
        (
            b'{"providers": [18446744073709551616]}',
            400,
            invalid(
                providers=['Invalid pk "18446744073709551616" - object does not exist.']
            ),
        ),
        (
            b'{"providers": "1"}',
            400,
            invalid(providers=['Expected a list of items but got type "str".']),
        ),
        (b'{"name": ["x"]}', 400, invalid(name=["Not a valid string."])),
        (b'{"unknown": 1, "other": [1, 2]}', 200, None),
        (b"", 200, None),
    ],
)
def test_live_server_answers_bad_bodies_and_changes_nothing(
    app_server, live_outpost, raw, status, expected
):
    before = outpost_state(app_server, live_outpost["pk"])

    with app_server.client() as client:
        current = client.get(f"{URL}{live_outpost['pk']}/").json()
        response = client.patch(
            f"{URL}{live_outpost['pk']}/",
            content=raw,
            headers={"Content-Type": "application/json"},
        )

    assert response.status_code == status
    assert response.json() == (expected or current)
    assert outpost_state(app_server, live_outpost["pk"]) == before


def test_live_get_with_a_body_is_served_as_without(app_server, live_outpost):
    with app_server.client() as client:
        current = client.get(f"{URL}{live_outpost['pk']}/").json()
        response = client.request(
            "GET",
            f"{URL}{live_outpost['pk']}/",
            content=b'{"name": "ignored"}',
            headers={"Content-Type": "application/json"},
        )

    assert response.status_code == 200
    assert response.json() == current


def test_live_undecodable_path_is_404(app_server):
    with app_server.client() as client:
        response = client.get(f"{URL}%ff%00/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}
