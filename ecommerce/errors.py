"""One error shape for the whole API: {"error": "...", "code": "...", "fields": {...}}.

Services raise `DomainError` subclasses; DRF raises its own exceptions; both are turned
into the same JSON here. AWS outages become 503 with Retry-After.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

from ecommerce.aws import AwsUnavailable

logger = logging.getLogger(__name__)


class DomainError(Exception):
    """A business rule said no. Subclasses set the status and the code."""

    status_code = status.HTTP_400_BAD_REQUEST
    code = "bad_request"
    headers: dict[str, str] = {}

    def __init__(self, message: str, *, code: str | None = None, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}
        if code:
            self.code = code


class Unauthorized(DomainError):
    status_code = status.HTTP_401_UNAUTHORIZED
    code = "unauthorized"
    headers = {"WWW-Authenticate": "Bearer"}


class NotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"


class Conflict(DomainError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"


class Forbidden(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "forbidden"


RETRY_AFTER_UNAVAILABLE = "5"

_DRF_CODES = {
    exceptions.ParseError: "malformed_json",
    exceptions.ValidationError: "invalid",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "invalid_token",
    exceptions.PermissionDenied: "forbidden",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


def error_body(message: str, code: str, fields: dict | None = None, **extra) -> dict:
    body = {"error": message, "code": code}
    if fields:
        body["fields"] = fields
    body.update(extra)
    return body


def _flatten_fields(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF validation detail → {"field": ["message", ...]} (nested fields dotted)."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "non_field_errors" and not prefix:
                name = "non_field_errors"
            out.update(_flatten_fields(value, name))
    elif isinstance(detail, list):
        if all(not isinstance(v, (dict, list)) for v in detail):
            out[prefix or "non_field_errors"] = [str(v) for v in detail]
        else:
            for i, value in enumerate(detail):
                out.update(_flatten_fields(value, f"{prefix}.{i}" if prefix else str(i)))
    else:
        out[prefix or "non_field_errors"] = [str(detail)]
    return out


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every error leaves as the design's JSON shape."""
    if isinstance(exc, DomainError):
        return Response(
            error_body(exc.message, exc.code, **exc.extra),
            status=exc.status_code,
            headers=exc.headers,
        )
    if isinstance(exc, AwsUnavailable):
        logger.warning("aws unavailable", extra={"service": exc.service, "error": str(exc)})
        return Response(
            error_body(f"{exc.service} is temporarily unavailable, try again", "aws_unavailable"),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": RETRY_AFTER_UNAVAILABLE},
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # a bug: let Django log it and answer 500

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait) + 1)

    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), "error")
    if isinstance(exc, exceptions.ValidationError):
        body = error_body("Invalid input.", code, fields=_flatten_fields(exc.detail))
    elif isinstance(exc, exceptions.ParseError):
        body = error_body(f"Malformed request body: {exc.detail}", code)
    else:
        body = error_body(str(exc.detail), code)
    return Response(body, status=exc.status_code, headers=headers)


# What an error page of Django's own (no view of ours answered) says, by status.
_PAGES = {
    400: ("Bad request.", "bad_request"),
    403: ("Forbidden.", "forbidden"),
    404: ("Not found.", "not_found"),
    405: ("Method not allowed.", "method_not_allowed"),
    413: ("Request body too large.", "payload_too_large"),
    500: ("Internal server error.", "server_error"),
}


def error_response(status_code: int) -> JsonResponse:
    message, code = _PAGES.get(status_code, ("Request failed.", "error"))
    return JsonResponse(error_body(message, code), status=status_code)


class JsonErrorsMiddleware:
    """Every API error leaves as JSON, in every mode (DEBUG included): an error page that
    Django rendered as HTML (an unknown route, a 500's debug page) is replaced by the error
    shape, and a body larger than DATA_UPLOAD_MAX_MEMORY_SIZE is refused (413) before
    anything reads it. The admin keeps its HTML pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith("/admin/"):
            return self.get_response(request)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_response(400)
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return error_response(413)
        response = self.get_response(request)
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            return error_response(response.status_code)
        return response
