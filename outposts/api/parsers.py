"""A strict JSON parser: duplicate keys and non-standard constants are errors."""

import json

from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser


def _unique_object(pairs: list[tuple[str, object]]) -> dict:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"Duplicate key {key!r}")
            seen.add(key)
    return obj


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def loads(raw: bytes):
    """Parse a JSON document; raise ValueError for anything RFC 8259 rejects."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"Invalid UTF-8: {exc.reason}") from exc
    try:
        return json.loads(
            text, object_pairs_hook=_unique_object, parse_constant=_reject_constant
        )
    except RecursionError as exc:
        raise ValueError("Document nested too deeply") from exc


class JSONParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return loads(stream.read())
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
