"""The OpenAPI schema documents the error shape on every operation, once, here.

Every error leaves through `ecommerce.errors.exception_handler` (or the JSON handler404)
as {"error", "code"} (+ "fields"). `AutoSchema` adds that body to each operation for the
statuses its view can produce, read off the view itself:

- 400: it takes a request body, or query/header parameters;
- 413 and 415: it takes a request body (too large; a type other than JSON);
- 401 and 503: it authenticates (a bad bearer token is 401; the JWKS fetch may be 503);
- 403: a permission beyond "signed in" (staff);
- 404: path parameters (an unknown id, or one that is not a UUID and matches no route);
- 429: it is throttled.

Optional query parameters are marked `allowEmptyValue`: DRF reads `?pageSize=` from a query
string as "not given" (its default applies), which is what that keyword says.

Constraints are the serializers': query parameters are documented from the query
serializer a view validates with (`parameters=[ProductListQuery]`), request headers from a
`RequestHeaders` serializer, and a decimal that must be a JSON number carries `multipleOf`
from its `decimal_places` (0.01 for a price) in request bodies. A request string carries
one `pattern` combining its field's regex validators and DRF's NUL rule; a serializer with
`required_any` (a body naming its subject by one of several optional fields, or groups of
fields) is required and says `anyOf` those; with `forms_exclusive`, each form also says
`not` the other forms' fields.

Links (OpenAPI `links`) go from an operation's answer to the operations that read or act on
what it made, so a client, or a stateful tester, can follow the flows: a view declares them
with `extend_schema(extensions=links(...))`; `resolve_links` (a postprocessing hook) turns
"METHOD /path" into the target's operationId.

A view declares the rest (409s, its domain 403/404, 503 for its own AWS calls) as bodiless
`OpenApiResponse(description=...)`; any 4xx/5xx declared without a body gets the error body.
"""

from __future__ import annotations

from decimal import Decimal

from django.core import validators
from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiParameter, extend_schema_serializer
from rest_framework import serializers
from rest_framework.fields import ProhibitNullCharactersValidator
from rest_framework.permissions import AllowAny, IsAuthenticated


@extend_schema_serializer(component_name="Error")
class ErrorOutput(serializers.Serializer):
    error = serializers.CharField(help_text="A human-readable message.")
    code = serializers.CharField(help_text="A stable snake_case code, e.g. `username_taken`.")
    fields = serializers.DictField(  # noqa: A003 - the API's key
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Validation errors only: messages per input field.",
    )


DESCRIPTIONS = {
    "400": "Invalid input (`invalid`, with `fields`) or malformed JSON (`malformed_json`).",
    "401": "Missing, invalid or revoked token.",
    "403": "Not allowed (`forbidden`).",
    "404": "Not found (`not_found`).",
    "413": "The body is larger than the limit (`payload_too_large`).",
    "415": "The body is not JSON (`unsupported_media_type`); a body with no type, or typed as a "
    "form (what `curl -d` sends), is read as JSON.",
    "429": "Too many requests (`throttled`).",
    "503": "An AWS dependency is unavailable (`aws_unavailable`); retry later.",
}

HEADERS = {
    "401": {
        "WWW-Authenticate": {"schema": {"type": "string"}, "description": "`Bearer`"},
    },
    "429": {
        "Retry-After": {"schema": {"type": "string"}, "description": "Seconds to wait."},
    },
    "503": {
        "Retry-After": {"schema": {"type": "string"}, "description": "Seconds to wait."},
    },
}

# Permissions whose refusal is a 401, not a 403.
_SIGN_IN_ONLY = (AllowAny, IsAuthenticated)


def link(operation: str, parameters: dict | None = None, body: dict | None = None) -> dict:
    """A link to `operation` ("GET /orders/{order_id}"), its parameters and (merged into
    the body a client writes) request body fields given by runtime expressions."""
    target = {"operation": operation}
    if parameters:
        target["parameters"] = parameters
    if body:
        target["requestBody"] = body
    return target


def links(status: int, **targets: dict) -> dict:
    """extend_schema(extensions=links(201, GetProduct=link(...), ...))."""
    return {"x-links": {str(status): targets}}


def resolve_links(result, generator, request, public):
    """Postprocessing hook: each operation's `x-links` become its response's `links`."""
    operation_ids = {
        f"{method.upper()} {path}": operation["operationId"]
        for path, operations in result["paths"].items()
        for method, operation in operations.items()
    }
    for operations in result["paths"].values():
        for operation in operations.values():
            for status, targets in operation.pop("x-links", {}).items():
                operation["responses"][status]["links"] = {
                    name: {
                        "operationId": operation_ids[target["operation"]],
                        **{k: v for k, v in target.items() if k != "operation"},
                    }
                    for name, target in targets.items()
                }
    return result


def _patterns(field) -> list[str]:
    """Every pattern a string field's validators enforce (DRF refuses NUL in any string; an
    HTTP header cannot carry one, so a header's schema leaves that rule out)."""
    patterns = [
        v.regex.pattern
        for v in field.validators
        if isinstance(v, validators.RegexValidator) and not v.inverse_match
    ]
    in_header = isinstance(field.parent, RequestHeaders)
    if not in_header and any(
        isinstance(v, ProhibitNullCharactersValidator) for v in field.validators
    ):
        patterns.append(r"^[^\x00]*\Z")
    # The end of the text, said so that every engine agrees: "$" also matches before a
    # final newline in Python's (and so Hypothesis generates "abc\n" for "^abc$").
    return [p.replace(r"\Z", r"(?![\s\S])").replace(r"\A", "^") for p in patterns]


def _all_of(patterns: list[str]) -> str:
    """One pattern that matches where each of `patterns` finds a match (JSON Schema, like
    Django's RegexValidator, searches)."""
    if len(patterns) == 1:
        return patterns[0]
    return "^" + "".join(f"(?=[\\s\\S]*?(?:{pattern}))" for pattern in patterns)


class RequestHeaders(serializers.Serializer):
    """A serializer of the request headers an operation reads (its field names are the
    header names). Listed in `extend_schema(parameters=...)`, each field is documented as a
    header parameter with the field's own constraints; `validated(request)` checks them."""

    @classmethod
    def validated(cls, request) -> dict:
        serializer = cls(data=request.headers)  # reads its own fields' headers only
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class AutoSchema(openapi.AutoSchema):
    def _process_override_parameters(self, direction="request"):
        # drf-spectacular documents a serializer's fields as query parameters; move those of
        # RequestHeaders to the headers.
        result = super()._process_override_parameters(direction)
        for parameter in self.get_override_parameters():
            if isinstance(parameter, type) and issubclass(parameter, RequestHeaders):
                for name in parameter().fields:
                    result[name, OpenApiParameter.HEADER] = {
                        **result.pop((name, OpenApiParameter.QUERY)),
                        "in": OpenApiParameter.HEADER,
                    }
        return result

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction != "request":
            return schema
        if isinstance(field, serializers.DecimalField) and schema.get("type") == "number":
            # Meant decimally (0.57 is a multiple of 0.01), as the API checks it.
            schema["multipleOf"] = float(Decimal(1).scaleb(-field.decimal_places))
        if schema.get("type") == "string":
            patterns = _patterns(field)
            if patterns:
                schema["pattern"] = _all_of(patterns)
        return schema

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        forms = [
            (form,) if isinstance(form, str) else form
            for form in getattr(serializer, "required_any", ())
        ]
        if direction == "request" and forms:
            schema["anyOf"] = [{"required": list(form)} for form in forms]
            if getattr(serializer, "forms_exclusive", False):
                for form, alternative in zip(forms, schema["anyOf"], strict=True):
                    others = [name for other in forms if other != form for name in other]
                    alternative["not"] = {"anyOf": [{"required": [name]} for name in others]}
        return schema

    def _get_request_for_media_type(self, serializer, direction="request"):
        # A body naming its subject by one of several optional fields cannot be left out.
        schema, required = super()._get_request_for_media_type(serializer, direction)
        return schema, required or bool(getattr(serializer, "required_any", ()))

    def _get_parameters(self):
        parameters = super()._get_parameters()
        for parameter in parameters:
            if parameter["in"] == "query" and not parameter.get("required"):
                parameter["allowEmptyValue"] = True
        return parameters

    def _error_statuses(self) -> set[str]:
        statuses = set()
        parameters = self._get_parameters()
        takes_body = self.method in ("PUT", "PATCH", "POST") and self.get_request_serializer()
        if takes_body or any(p["in"] in ("query", "header") for p in parameters):
            statuses.add("400")
        if takes_body:
            statuses |= {"413", "415"}
        if self.view.get_authenticators():
            statuses |= {"401", "503"}
        if any(not isinstance(p, _SIGN_IN_ONLY) for p in self.view.get_permissions()):
            statuses.add("403")
        if any(p["in"] == "path" for p in parameters):
            statuses.add("404")
        if self.view.get_throttles():
            statuses.add("429")
        return statuses

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status in self._error_statuses():
            responses.setdefault(status, {"description": DESCRIPTIONS[status]})
        error = self.resolve_serializer(ErrorOutput, direction).ref
        for status, response in responses.items():
            if status.startswith(("4", "5")) and "content" not in response:
                response["content"] = {"application/json": {"schema": error}}
                if status in HEADERS:
                    response.setdefault("headers", HEADERS[status])
        return dict(sorted(responses.items()))
