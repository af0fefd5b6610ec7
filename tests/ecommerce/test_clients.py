"""The API as its clients meet it: browser front-ends on other origins (CORS), the original
API's curl commands (JSON bodies declared as forms, or not declared), JSON errors in every
mode (`make run` runs with DEBUG), and throttles a client cannot dodge."""

import re
import uuid

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

from accounts.throttles import AuthThrottle, SignInAccountThrottle
from tests.products.factories import product_make

pytestmark = pytest.mark.django_db

FRONT_END = "http://localhost:3000"


# --- browser front-ends: CORS ----------------------------------------------------------------


def test_a_preflight_succeeds_without_credentials_and_allows_what_clients_send(client):
    response = client.options(
        "/orders/create-order",
        HTTP_ORIGIN=FRONT_END,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, idempotency-key",
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == FRONT_END
    allowed = {h.strip() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "idempotency-key"} <= allowed
    assert "POST" in response["Access-Control-Allow-Methods"]


def test_public_and_authenticated_answers_carry_the_origin_and_expose_headers(api, user_api):
    public = api.get("/products/approve-products", HTTP_ORIGIN="http://127.0.0.1:5173")
    assert public["Access-Control-Allow-Origin"] == "http://127.0.0.1:5173"
    exposed = {h.strip().lower() for h in public["Access-Control-Expose-Headers"].split(",")}
    assert exposed == {"x-request-id", "idempotent-replayed", "retry-after"}
    mine = user_api.get("/orders", HTTP_ORIGIN=FRONT_END)
    assert (mine.status_code, mine["Access-Control-Allow-Origin"]) == (200, FRONT_END)
    # An error answer too: a front-end must be able to read why it was refused.
    refused = api.get("/orders", HTTP_ORIGIN=FRONT_END)
    assert (refused.status_code, refused["Access-Control-Allow-Origin"]) == (401, FRONT_END)


def test_a_cached_catalogue_page_answers_each_origin_for_itself(api, settings):
    """The page cache sits inside the CORS middleware: it never replays another origin's
    headers."""
    settings.CATALOGUE_CACHE_SECONDS = 60
    first = api.get("/products/approve-products", HTTP_ORIGIN=FRONT_END)
    second = api.get("/products/approve-products", HTTP_ORIGIN="http://127.0.0.1:5173")
    third = api.get("/products/approve-products", HTTP_ORIGIN="https://evil.example")
    assert first.content == second.content == third.content
    assert first["Access-Control-Allow-Origin"] == FRONT_END
    assert second["Access-Control-Allow-Origin"] == "http://127.0.0.1:5173"
    assert "Access-Control-Allow-Origin" not in third
    assert "origin" in second["Vary"].lower()


@pytest.mark.parametrize("origin", ["https://evil.example", "http://localhost.evil.example:80"])
def test_a_disallowed_origin_gets_no_cors_header(client, origin):
    response = client.get("/products/approve-products", HTTP_ORIGIN=origin)
    assert "Access-Control-Allow-Origin" not in response
    preflight = client.options(
        "/orders/create-order", HTTP_ORIGIN=origin, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert "Access-Control-Allow-Origin" not in preflight


def test_the_admin_is_not_open_to_other_origins(client):
    response = client.get("/admin/login/", HTTP_ORIGIN=FRONT_END)
    assert "Access-Control-Allow-Origin" not in response


# --- the original API's clients: JSON, however declared --------------------------------------


def order_body(product) -> str:
    return f'{{"id": "{product.id}", "quantity": 2}}'


@pytest.mark.parametrize(
    "content_type",
    [
        pytest.param("application/x-www-form-urlencoded", id="curl-d"),
        pytest.param("", id="no-content-type"),
        pytest.param("application/json", id="json"),
    ],
)
def test_a_json_body_is_read_as_json_whatever_curl_called_it(user_api, content_type):
    product = product_make(quantity=5)
    response = user_api.generic(
        "POST", "/orders/create-order", order_body(product), content_type=content_type
    )
    assert response.status_code == 201, response.content
    assert response.json()["message"] == "order placed successfully"


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", ""])
def test_a_body_that_is_not_json_is_still_malformed_json(user_api, content_type):
    response = user_api.generic(
        "POST", "/orders/create-order", "id=1&quantity=2", content_type=content_type
    )
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"


@pytest.mark.parametrize("content_type", ["text/plain", "multipart/form-data; boundary=x"])
def test_other_body_types_are_415(user_api, content_type):
    product = product_make(quantity=5)
    response = user_api.generic(
        "POST", "/orders/create-order", order_body(product), content_type=content_type
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


# --- JSON errors in every mode -----------------------------------------------------------------


@pytest.fixture
def debug_client(settings):
    settings.DEBUG = True  # as `make run` runs
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("get", "/no/such/route", 404, "not_found"),
        ("get", "/banners/", 404, "not_found"),
        ("get", "/orders/not-a-uuid", 404, "not_found"),
        ("get", f"/products/{uuid.uuid4()}/nothing-here", 404, "not_found"),
        ("delete", "/products/approve-products", 405, "method_not_allowed"),
    ],
)
def test_errors_are_json_even_with_debug_on(debug_client, method, path, status, code):
    response = getattr(debug_client, method)(path)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == code


@pytest.mark.parametrize("debug", [True, False])
def test_an_oversized_body_is_a_json_413(settings, debug):
    settings.DEBUG = debug
    body = b'{"fileName": "' + b"a" * (3 * 1024 * 1024) + b'"}'
    response = Client().post("/auth/sign-up", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {"error": "Request body too large.", "code": "payload_too_large"}


def test_a_server_error_is_json_even_with_debug_on(debug_client, monkeypatch):
    from products import selectors

    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(selectors, "products_approved_page", broken)
    response = debug_client.get("/products/approve-products")
    assert response.status_code == 500
    assert response.json() == {"error": "Internal server error.", "code": "server_error"}


def test_the_root_is_a_small_json_index(client):
    response = client.get("/")
    assert response.status_code == 200
    links = response.json()["links"]
    assert set(links) == {"docs", "redoc", "schema", "health", "ready", "admin"}
    assert links["docs"] == "http://testserver/api/docs"


def test_a_non_ascii_token_is_refused_without_python_internals(client):
    response = client.get("/auth/me", HTTP_AUTHORIZATION="Bearer é".encode().decode("latin-1"))
    assert response.status_code == 401
    assert response.json()["error"] == "Invalid token: not ASCII."


@pytest.mark.parametrize("path", ["/api/docs", "/api/redoc"])
def test_the_docs_load_nothing_from_another_host(client, path):
    page = client.get(path).content.decode()
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page)
    assert urls, page
    assert all(url.startswith("/") for url in urls), urls
    for url in urls:  # and each is one of the app's own static files or routes
        if url.startswith(settings.STATIC_URL):
            assert finders.find(url.removeprefix(settings.STATIC_URL)), url
        else:
            assert client.get(url).status_code == 200, url


# --- throttles that hold ---------------------------------------------------------------------


@pytest.fixture
def strict_sign_in(monkeypatch):
    for throttle in (AuthThrottle, SignInAccountThrottle):
        monkeypatch.setattr(
            throttle,
            "THROTTLE_RATES",
            {**throttle.THROTTLE_RATES, "sign_in": "10/min", "sign_in_account": "10/min"},
        )


def wrong_password(api, name: str, **extra) -> int:
    body = {"fullName": name, "password": "wrong-passw0rd"}
    return api.post("/auth/sign-in", body, format="json", **extra).status_code


def test_a_forged_x_forwarded_for_does_not_dodge_the_address_throttle(api, strict_sign_in):
    codes = [
        wrong_password(
            api, f"Nobody {n}", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}"
        )
        for n in range(25)
    ]
    assert codes[:10] == [401] * 10
    assert set(codes[10:]) == {429}


def test_one_account_guessed_from_many_addresses_is_throttled(api, strict_sign_in, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    codes = [
        wrong_password(
            api, "Guessed Victim", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"
        )
        for n in range(25)
    ]
    assert codes[:10] == [401] * 10
    assert set(codes[10:]) == {429}
    # Another account from those addresses is still served.
    assert wrong_password(api, "Someone Else", HTTP_X_FORWARDED_FOR="203.0.113.1") == 401


def test_a_name_with_a_lone_surrogate_is_400_not_a_throttle_crash(api, strict_sign_in):
    # Valid JSON ("\ud800"), which the account throttle sees before validation refuses it.
    body = '{"fullName": "A\\ud800B", "password": "passw0rdx"}'
    response = api.post("/auth/sign-in", body, content_type="application/json")
    assert response.status_code == 400
    assert "fullName" in response.json()["fields"]


def test_the_admin_login_is_throttled(client, monkeypatch):
    from accounts import throttles

    monkeypatch.setattr(
        throttles._AdminLoginThrottle,
        "THROTTLE_RATES",
        {**throttles._AdminLoginThrottle.THROTTLE_RATES, "admin_login": "5/min"},
    )
    codes = [
        client.post("/admin/login/", {"username": "admin", "password": f"guess-{n}"}).status_code
        for n in range(8)
    ]
    assert codes[:5] == [200] * 5  # the form again, with its error
    assert codes[5:] == [429] * 3
    assert client.get("/admin/login/").status_code == 200  # showing the form is not an attempt
