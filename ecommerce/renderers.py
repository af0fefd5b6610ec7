"""The API's JSON renderer: DRF's JSONRenderer, encoding with orjson (docs/performance.md).

The output is DRF's: compact, UTF-8, datetimes as DRF writes them, anything orjson does not
know (Decimal, lazy strings, dataclasses) through DRF's own encoder, U+2028/U+2029 escaped
as DRF escapes them. Whatever orjson refuses (an integer over 64 bits, say), and indented
output (`Accept: application/json; indent=4`), goes to DRF's renderer unchanged.
"""

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

# Datetimes as DRF writes them (isoformat, UTC as "Z"); dataclasses through DRF's encoder.
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_UTC_Z | orjson.OPT_PASSTHROUGH_DATACLASS
_LINE_SEPARATORS = ((b"\xe2\x80\xa8", b"\\u2028"), (b"\xe2\x80\xa9", b"\\u2029"))


class OrjsonRenderer(JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None or self.get_indent(accepted_media_type, renderer_context or {}):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            body = orjson.dumps(data, default=JSONEncoder().default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        if b"\xe2" in body:  # the separators' first byte: a cheap test before replacing
            for raw, escaped in _LINE_SEPARATORS:
                body = body.replace(raw, escaped)
        return body
