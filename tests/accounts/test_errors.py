"""Bad bodies, throttling, outages and the Cognito errors the emulator cannot produce."""

import logging
import uuid

import pytest
from botocore.stub import Stubber
from django.core.management import call_command
from django.test import override_settings

from accounts.throttles import AuthThrottle
from ecommerce import aws

pytestmark = pytest.mark.django_db

LONG = "x" * 5000


@pytest.mark.parametrize(
    "path, body, field",
    [
        ("/auth/sign-up", {"fullName": "A B", "password": "passw0rd-1"}, "email"),
        ("/auth/sign-up", {"email": "a@b.co", "password": "passw0rd-1"}, "fullName"),
        ("/auth/sign-up", {"email": "a@b.co", "fullName": "A B"}, "password"),
        (
            "/auth/sign-up",
            {"email": "not-an-email", "fullName": "A", "password": "passw0rd-1"},
            "email",
        ),
        (
            "/auth/sign-up",
            {"email": "a@b.co", "fullName": LONG, "password": "passw0rd-1"},
            "fullName",
        ),
        ("/auth/sign-up", {"email": "a@b.co", "fullName": "A", "password": LONG}, "password"),
        (
            "/auth/sign-up",
            {"email": ["a@b.co"], "fullName": "A", "password": "passw0rd-1"},
            "email",
        ),
        (
            "/auth/sign-up",
            {"email": "a@b.co", "fullName": {"x": 1}, "password": "passw0rd-1"},
            "fullName",
        ),
        (
            "/auth/sign-up",
            {"email": "a@b.co", "fullName": "   ", "password": "passw0rd-1"},
            "fullName",
        ),
        ("/auth/confirm-sign-up", {"fullName": "A"}, "confirmationCode"),
        ("/auth/confirm-sign-up", {"fullName": "A", "confirmationCode": LONG}, "confirmationCode"),
        ("/auth/sign-in", {"password": "passw0rd-1"}, "fullName"),
        ("/auth/sign-in", {"fullName": "A"}, "password"),
        ("/auth/sign-in", {"email": 12, "password": "passw0rd-1"}, "email"),
        ("/auth/sign-out", {}, "accessToken"),
        ("/auth/sign-out", {"accessToken": "x" * 9000}, "accessToken"),
        ("/auth/refresh", {"refreshToken": None}, "refreshToken"),
        ("/auth/forgot-password", {}, "fullName"),
        # Found by the fuzzer: numbers were taken as strings ("42").
        ("/auth/forgot-password", {"fullName": 42}, "fullName"),
        ("/auth/resend-confirmation", {"fullName": -4.7e64, "email": "a@b.co"}, "fullName"),
        (
            "/auth/sign-up",
            {"email": "a@b.co", "fullName": 42, "password": "passw0rd-1"},
            "fullName",
        ),
        ("/auth/sign-up", {"email": "a@b.co", "fullName": "A", "password": 12345678}, "password"),
        (
            "/auth/confirm-sign-up",
            {"fullName": "A", "confirmationCode": 123456},
            "confirmationCode",
        ),
        ("/auth/sign-out", {"accessToken": 1}, "accessToken"),
        (
            "/auth/confirm-forgot-password",
            {"email": "a@b.co", "confirmationCode": "1"},
            "newPassword",
        ),
    ],
)
def test_bad_bodies_are_400_naming_the_field(api, path, body, field):
    response = api.post(path, body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["fields"]


@pytest.mark.parametrize(
    "path",
    ["/auth/sign-up", "/auth/sign-in", "/auth/sign-out", "/auth/refresh", "/auth/forgot-password"],
)
@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("{", id="malformed"),
        pytest.param("[1, 2]", id="a-list"),
        pytest.param('"s"', id="a-string"),
    ],
)
def test_non_object_or_malformed_bodies_are_400(client, path, raw):
    response = client.post(path, data=raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] in {"malformed_json", "invalid"}


def test_sign_out_with_a_garbage_token_is_401(api):
    response = api.post("/auth/sign-out", {"accessToken": "garbage"}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


def test_sign_out_with_an_id_token_is_401(api, make_user):
    signed_in = make_user()
    response = api.post(
        "/auth/sign-out", {"accessToken": signed_in.tokens["IdToken"]}, format="json"
    )
    assert response.status_code == 401


def test_sign_in_is_throttled_per_client_address(api, monkeypatch):
    monkeypatch.setattr(
        AuthThrottle, "THROTTLE_RATES", {**AuthThrottle.THROTTLE_RATES, "sign_in": "3/min"}
    )
    body = {"fullName": "Nobody Here", "password": "passw0rd-1"}
    codes = [
        api.post("/auth/sign-in", body, format="json", REMOTE_ADDR="10.9.9.9").status_code
        for _ in range(4)
    ]
    assert codes == [401, 401, 401, 429]
    response = api.post("/auth/sign-in", body, format="json", REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 61
    # Another address is not affected.
    assert (
        api.post("/auth/sign-in", body, format="json", REMOTE_ADDR="10.9.9.10").status_code == 401
    )


@pytest.mark.parametrize(
    "scope, path", [("sign_up", "/auth/sign-up"), ("password_reset", "/auth/forgot-password")]
)
def test_sign_up_and_password_reset_are_throttled(api, monkeypatch, scope, path):
    monkeypatch.setattr(
        AuthThrottle, "THROTTLE_RATES", {**AuthThrottle.THROTTLE_RATES, scope: "1/min"}
    )
    api.post(path, {}, format="json", REMOTE_ADDR="10.8.8.8")
    assert api.post(path, {}, format="json", REMOTE_ADDR="10.8.8.8").status_code == 429


def test_cognito_unreachable_is_503_and_leaves_no_local_row(api):
    from accounts.models import User
    from ecommerce.emulator import free_port

    aws.cognito_ids()  # ids cached from SSM; only Cognito itself is down below
    email = f"down-{uuid.uuid4().hex[:8]}@example.com"
    with override_settings(AWS_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}", AWS_MAX_ATTEMPTS=1):
        aws._clients.clear()
        response = api.post(
            "/auth/sign-up",
            {"email": email, "fullName": "Down Time", "password": "passw0rd-1"},
            format="json",
        )
    aws._clients.clear()
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["code"] == "aws_unavailable"
    assert not User.objects.filter(email=email).exists()


# --- errors the emulator cannot produce (it accepts any confirmation code and never
# throttles), so botocore's Stubber stands in for Cognito here -----------------------------


@pytest.fixture
def stubbed_cognito():
    client = aws.client("cognito-idp")
    with Stubber(client) as stubber:
        yield stubber


@pytest.mark.parametrize(
    "error, status, code",
    [
        ("CodeMismatchException", 400, "invalid_code"),
        ("ExpiredCodeException", 400, "expired_code"),
        ("NotAuthorizedException", 409, "already_confirmed"),
        ("TooManyRequestsException", 503, "aws_unavailable"),
    ],
)
def test_confirm_sign_up_cognito_errors(api, stubbed_cognito, error, status, code):
    aws.cognito_ids()
    stubbed_cognito.add_client_error(
        "confirm_sign_up", service_error_code=error, http_status_code=400
    )
    response = api.post(
        "/auth/confirm-sign-up", {"fullName": "Some One", "confirmationCode": "1"}, format="json"
    )
    assert response.status_code == status
    assert response.json()["code"] == code


def test_a_password_cognito_refuses_is_400_with_its_reason(api, stubbed_cognito):
    aws.cognito_ids()
    stubbed_cognito.add_client_error(
        "sign_up",
        service_error_code="InvalidPasswordException",
        service_message="Password does not conform to policy",
        http_status_code=400,
    )
    body = {"email": "p@example.com", "fullName": "Pat Doe", "password": "passw0rd-123"}
    response = api.post("/auth/sign-up", body, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "error": "Password does not conform to policy",
        "code": "invalid_password",
    }


def test_sign_in_throttled_by_cognito_is_503(api, stubbed_cognito):
    aws.cognito_ids()
    stubbed_cognito.add_client_error(
        "initiate_auth", service_error_code="TooManyRequestsException", http_status_code=400
    )
    response = api.post(
        "/auth/sign-in", {"fullName": "Some One", "password": "passw0rd-1"}, format="json"
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "5"


def test_confirm_forgot_password_with_wrong_code_is_400(api, make_user):
    signed_in = make_user()
    stubber = Stubber(aws.client("cognito-idp"))
    stubber.activate()
    stubber.add_client_error(
        "confirm_forgot_password", service_error_code="CodeMismatchException", http_status_code=400
    )
    response = api.post(
        "/auth/confirm-forgot-password",
        {"email": signed_in.email, "confirmationCode": "000", "newPassword": "n3w-passw0rd"},
        format="json",
    )
    stubber.deactivate()
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_code"


def test_confirm_forgot_password_for_an_unknown_name_is_400_not_500(api):
    # Found by the fuzzer: the emulator answers an unknown user with ResourceNotFoundException.
    response = api.post(
        "/auth/confirm-forgot-password",
        {"fullName": "Nobody Atall", "confirmationCode": "123456", "newPassword": "n3w-passw0rd"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"error": "The code is wrong or has expired.", "code": "invalid_code"}


def test_resend_confirmation_is_200_without_revealing_users(api, make_user, caplog):
    signed_in = make_user()
    with caplog.at_level(logging.INFO, logger="accounts.services"):
        known = api.post("/auth/resend-confirmation", {"email": signed_in.email}, format="json")
        unknown = api.post(
            "/auth/resend-confirmation", {"email": "nobody@example.com"}, format="json"
        )
    assert known.status_code == unknown.status_code == 200
    assert known.json() == unknown.json()
    # The known user's code was sent by Cognito (the emulator), not refused.
    assert "resend confirmation refused" not in caplog.messages


def test_set_staff_command_toggles_the_flag(make_user):
    signed_in = make_user()
    call_command("set_staff", signed_in.email.upper())
    signed_in.user.refresh_from_db()
    assert signed_in.user.is_staff is True
    call_command("set_staff", signed_in.email, "--revoke")
    signed_in.user.refresh_from_db()
    assert signed_in.user.is_staff is False


def test_set_staff_unknown_email_fails():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No user with email"):
        call_command("set_staff", "nobody@example.com")


def test_staff_flag_is_visible_in_me(make_user):
    signed_in = make_user(staff=True)
    assert signed_in.client.get("/auth/me").json()["isStaff"] is True
