import pytest
from django.core.management import call_command
from django.test import override_settings

from ecommerce import aws


@pytest.mark.django_db
def test_healthz_and_readyz_are_ok(api):
    assert api.get("/healthz").json() == {"status": "ok"}
    response = api.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "aws": "ok"}}


@pytest.mark.django_db
def test_readyz_names_aws_when_the_emulator_is_down(api):
    from ecommerce.emulator import free_port

    with override_settings(AWS_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}", AWS_MAX_ATTEMPTS=1):
        aws.reset_clients()
        response = api.get("/readyz")
    aws.reset_clients()
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["aws"].startswith("unavailable: ")


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="tests.ecommerce.urls")
@pytest.mark.parametrize(
    "body",
    [pytest.param("{not json", id="broken"), pytest.param('{"a": 1', id="truncated")],
)
def test_malformed_json_is_a_400_in_the_error_shape(client, body):
    response = client.post("/echo", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"
    assert response.json()["error"].startswith("Malformed request body")


@override_settings(ROOT_URLCONF="tests.ecommerce.urls")
def test_validation_errors_name_the_fields(client):
    response = client.post("/echo", data={"name": ""}, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "error": "Invalid input.",
        "code": "invalid",
        "fields": {"name": ["This field may not be blank."]},
    }


def test_unknown_url_is_a_json_404(client):
    response = client.get("/no/such/thing")
    assert response.status_code == 404
    assert response.json() == {"error": "Not found.", "code": "not_found"}


def test_openapi_schema_validates():
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_schema_and_docs_are_served(client):
    assert client.get("/api/schema").status_code == 200
    assert client.get("/api/docs").status_code == 200
