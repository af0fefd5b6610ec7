"""Checking a test client's response against the OpenAPI schema the app serves, the way the
fuzzer (tests/e2e/test_fuzz.py) does: status code documented, body valid for it."""

from __future__ import annotations

import functools

import requests
import schemathesis
from django.test import Client


@functools.cache
def served_schema() -> dict:
    return Client().get("/api/schema", {"format": "json"}).json()


@functools.cache
def _loaded():
    return schemathesis.openapi.from_dict(served_schema())


def assert_documented(response, method: str, path: str) -> None:
    """`response` (from Django's test client) is what the schema documents for the operation
    `method path` (the schema's path template, e.g. "/products/{product_id}")."""
    operation = _loaded()[path][method]
    documented = set(operation.definition.raw["responses"])
    assert str(response.status_code) in documented, f"{response.status_code} not in {documented}"
    request = requests.Request(method, f"http://testserver{response.wsgi_request.path}").prepare()
    operation.validate_response(
        schemathesis.Response(
            status_code=response.status_code,
            headers={name.lower(): [value] for name, value in response.headers.items()},
            content=response.content,
            request=request,
            elapsed=0.0,
            verify=True,
        )
    )
