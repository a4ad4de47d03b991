"""JSON rendering with orjson."""

import json

import orjson
from rest_framework.renderers import BaseRenderer


class JSONRenderer(BaseRenderer):
    media_type = "application/json"
    format = "json"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        try:
            return orjson.dumps(data, default=str)
        except orjson.JSONEncodeError:
            # orjson stops at 64-bit integers; a config document may hold
            # larger ones, and is returned as it was written.
            return json.dumps(
                data, default=str, ensure_ascii=False, separators=(",", ":")
            ).encode()
