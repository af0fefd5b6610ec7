"""Request bodies of the original API's clients: JSON whatever `curl -d` calls it.

`curl -d '{...}'` sends its body as `application/x-www-form-urlencoded`, and some clients
send no Content-Type at all; the original API read both as JSON. So do we, on the API's
views (DRF; the admin's forms are Django's and untouched): a form-encoded body is parsed as
JSON (not valid JSON: 400 `malformed_json`), a body without a type goes to the JSON parser,
and any other type is still 415.
"""

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import BaseParser, JSONParser


class FormBodyAsJsonParser(BaseParser):
    """`curl -d`'s bodies: declared form-encoded, written as JSON. Not a JSONParser subclass,
    so the schema (which lists JSONParser's media type) documents JSON bodies only."""

    media_type = "application/x-www-form-urlencoded"

    def parse(self, stream, media_type=None, parser_context=None):
        return JSONParser().parse(stream, "application/json", parser_context)


class JsonWhenUntyped(DefaultContentNegotiation):
    """DRF's negotiation, except that a body with no Content-Type is parsed as JSON."""

    def select_parser(self, request, parsers):
        if not request.content_type:
            return next((p for p in parsers if isinstance(p, JSONParser)), None)
        return super().select_parser(request, parsers)
