"""A strict JSON parser: duplicate keys and non-standard constants are errors."""

import json
import math
import re

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


def _finite_float(text: str) -> float:
    # Python reads 1e400 as infinity, which no JSON document can hold and
    # PostgreSQL's jsonb refuses.
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"Number {text} is out of range")
    return value


# A \uD800-\uDFFF escape may leave a lone surrogate, which is no character:
# it cannot be encoded, stored in jsonb or rendered. Only documents that
# contain such an escape are searched for one.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _reject_lone_surrogates(document) -> None:
    pending = [document]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError("Lone surrogate escape in a string") from None


def loads(raw: bytes):
    """Parse a JSON document; raise ValueError for anything RFC 8259 rejects."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"Invalid UTF-8: {exc.reason}") from exc
    try:
        document = json.loads(
            text,
            object_pairs_hook=_unique_object,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
        )
    except RecursionError as exc:
        raise ValueError("Document nested too deeply") from exc
    if _SURROGATE_ESCAPE.search(raw):
        _reject_lone_surrogates(document)
    return document


class JSONParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return loads(stream.read())
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
