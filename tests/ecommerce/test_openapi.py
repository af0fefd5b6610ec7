"""The served schema documents the error shape and the statuses each view can answer."""

import pytest

from tests.support.openapi import assert_documented, served_schema

ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}


def operations():
    for path, methods in served_schema()["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_the_error_component_is_the_error_shape():
    assert served_schema()["components"]["schemas"]["Error"] == {
        "type": "object",
        "properties": {
            "error": {"type": "string", "description": "A human-readable message."},
            "code": {
                "type": "string",
                "description": "A stable snake_case code, e.g. `username_taken`.",
            },
            "fields": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
                "description": "Validation errors only: messages per input field.",
            },
        },
        "required": ["code", "error"],
    }


def test_every_error_response_has_the_error_body():
    for label, operation in operations():
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")) and label != "GET /readyz":
                assert response["content"] == ERROR, (label, status)


@pytest.mark.parametrize(
    ("label", "statuses"),
    [
        pytest.param("GET /products/approve-products", {"200", "400"}, id="public-listing"),
        pytest.param("GET /banners", {"200", "401", "503"}, id="public-bad-token"),
        pytest.param("GET /auth/me", {"200", "401", "503"}, id="signed-in"),
        pytest.param(
            "DELETE /banners/{banner_id}", {"204", "401", "403", "404", "503"}, id="staff-path"
        ),
        pytest.param(
            "POST /auth/sign-up",
            {"201", "400", "409", "413", "415", "429", "503"},
            id="throttled-cognito",
        ),
        pytest.param(
            "POST /auth/sign-in",
            {"200", "400", "401", "403", "413", "415", "429", "503"},
            id="sign-in",
        ),
        pytest.param(
            "POST /products/{product_id}/reject",
            {"200", "400", "401", "403", "404", "409", "413", "415", "503"},
            id="review",
        ),
    ],
)
def test_each_operation_documents_the_statuses_its_view_can_answer(label, statuses):
    assert set(dict(operations())[label]["responses"]) == statuses


def test_401_and_503_document_their_headers():
    responses = dict(operations())["POST /auth/sign-up"]["responses"]
    assert set(responses["429"]["headers"]) == set(responses["503"]["headers"]) == {"Retry-After"}
    assert set(dict(operations())["GET /auth/me"]["responses"]["401"]["headers"]) == {
        "WWW-Authenticate"
    }


@pytest.mark.django_db
def test_an_empty_query_value_is_the_default_as_documented(api):
    # Found by the fuzzer: `?ordering=` was accepted although "" is not a documented value.
    parameters = dict(operations())["GET /products/approve-products"]["parameters"]
    assert all(p["allowEmptyValue"] for p in parameters if p["in"] == "query")

    response = api.get("/products/approve-products", {"ordering": "", "pageSize": ""})

    assert response.status_code == 200
    assert response.json() == {"products": [], "next": None}
    assert_documented(response, "GET", "/products/approve-products")


@pytest.mark.django_db
def test_a_validation_error_is_documented(api):
    response = api.post("/auth/sign-up", {"email": "nope"}, format="json")

    assert response.status_code == 400
    assert_documented(response, "POST", "/auth/sign-up")
