"""Sign-up to sign-out against the emulated Cognito, through the HTTP API."""

import time
import uuid

import pytest

pytestmark = pytest.mark.django_db

PASSWORD = "passw0rd-123"


def new_identity() -> dict:
    tag = uuid.uuid4().hex[:10]
    return {"email": f"p-{tag}@example.com", "fullName": f"Jay  S {tag}", "password": PASSWORD}


def sign_up_and_confirm(api, identity: dict) -> None:
    assert api.post("/auth/sign-up", identity, format="json").status_code == 201
    response = api.post(
        "/auth/confirm-sign-up",
        {"fullName": identity["fullName"], "confirmationCode": "274023"},
        format="json",
    )
    assert response.status_code == 200


def test_full_flow_sign_up_confirm_sign_in_me_sign_out(api):
    from accounts.models import User

    identity = new_identity()
    response = api.post("/auth/sign-up", identity, format="json")
    assert response.status_code == 201
    assert response.json() == {"msg": "Account created. Please verify your email."}
    user = User.objects.get(email=identity["email"])
    assert user.username == f"Jay_S_{identity['fullName'].split()[-1]}"
    assert user.full_name == identity["fullName"]
    assert user.cognito_sub

    # Not confirmed yet: 403.
    response = api.post(
        "/auth/sign-in", {"fullName": identity["fullName"], "password": PASSWORD}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "not_confirmed"

    response = api.post(
        "/auth/confirm-sign-up",
        {"fullName": identity["fullName"], "confirmationCode": "274023"},
        format="json",
    )
    assert response.json() == {"msg": "User successfully confirmed!"}

    response = api.post(
        "/auth/sign-in", {"fullName": identity["fullName"], "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["msg"] == "User successfully signed in!"
    assert set(body["tokens"]) == {
        "AccessToken",
        "ExpiresIn",
        "IdToken",
        "RefreshToken",
        "TokenType",
    }
    tokens = body["tokens"]

    for token in (tokens["IdToken"], tokens["AccessToken"]):
        me = api.get("/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert me.status_code == 200
        assert me.json()["email"] == identity["email"]
        assert me.json()["isStaff"] is False

    response = api.post("/auth/sign-out", {"accessToken": tokens["AccessToken"]}, format="json")
    assert response.json() == {"msg": "User successfully signed out!"}

    for token in (tokens["IdToken"], tokens["AccessToken"]):
        me = api.get("/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert me.status_code == 401
        assert me["WWW-Authenticate"] == "Bearer"
        assert me.json()["code"] == "invalid_token"
    # Signing out twice with the revoked token is refused.
    again = api.post("/auth/sign-out", {"accessToken": tokens["AccessToken"]}, format="json")
    assert again.status_code == 401


def test_refresh_works_before_sign_out_and_fails_after(api):
    identity = new_identity()
    sign_up_and_confirm(api, identity)
    tokens = api.post(
        "/auth/sign-in", {"email": identity["email"], "password": PASSWORD}, format="json"
    ).json()["tokens"]

    response = api.post("/auth/refresh", {"refreshToken": tokens["RefreshToken"]}, format="json")
    assert response.status_code == 200
    fresh = response.json()["tokens"]
    me = api.get("/auth/me", HTTP_AUTHORIZATION=f"Bearer {fresh['IdToken']}")
    assert me.status_code == 200

    time.sleep(1.1)  # `iat` has one-second resolution; see selectors.token_revoked
    api.post("/auth/sign-out", {"accessToken": fresh["AccessToken"]}, format="json")
    response = api.post("/auth/refresh", {"refreshToken": tokens["RefreshToken"]}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"
    assert api.get("/auth/me", HTTP_AUTHORIZATION=f"Bearer {fresh['IdToken']}").status_code == 401

    # Signing in again after sign-out gives working tokens.
    time.sleep(1.1)
    tokens = api.post(
        "/auth/sign-in", {"email": identity["email"], "password": PASSWORD}, format="json"
    ).json()["tokens"]
    assert api.get("/auth/me", HTTP_AUTHORIZATION=f"Bearer {tokens['IdToken']}").status_code == 200


def test_sign_in_by_email_is_case_insensitive(api):
    identity = new_identity()
    sign_up_and_confirm(api, identity)
    response = api.post(
        "/auth/sign-in", {"email": identity["email"].upper(), "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "login",
    [
        pytest.param(
            lambda i: {"fullName": i["fullName"], "password": "wrong-passw0rd"}, id="wrong-password"
        ),
        pytest.param(
            lambda i: {"fullName": "Nobody " + i["fullName"], "password": PASSWORD},
            id="unknown-name",
        ),
        pytest.param(
            lambda i: {"email": "nobody-" + i["email"], "password": PASSWORD}, id="unknown-email"
        ),
    ],
)
def test_wrong_password_and_unknown_user_are_the_same_401(api, login):
    identity = new_identity()
    sign_up_and_confirm(api, identity)
    response = api.post("/auth/sign-in", login(identity), format="json")
    assert response.status_code == 401
    assert response.json() == {
        "error": "Wrong name, email or password.",
        "code": "invalid_credentials",
    }
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "change, code",
    [
        pytest.param(
            lambda i: {**i, "email": "other-" + i["email"]}, "username_taken", id="same-name"
        ),
        pytest.param(
            lambda i: {
                **i,
                "fullName": i["fullName"].lower(),
                "email": "other-" + i["email"],
            },
            "username_taken",
            id="same-username-other-case",
        ),
        pytest.param(
            lambda i: {**i, "fullName": i["fullName"] + " Jr"}, "email_taken", id="same-email"
        ),
        pytest.param(
            lambda i: {**i, "fullName": i["fullName"] + " Jr", "email": i["email"].upper()},
            "email_taken",
            id="same-email-other-case",
        ),
    ],
)
def test_duplicate_username_or_email_is_409(api, change, code):
    identity = new_identity()
    assert api.post("/auth/sign-up", identity, format="json").status_code == 201
    response = api.post("/auth/sign-up", change(identity), format="json")
    assert response.status_code == 409
    assert response.json()["code"] == code


def test_usernames_differing_only_in_non_ascii_case_are_the_same(api):
    """The same on SQLite (whose LOWER() folds ASCII only) and PostgreSQL."""
    identity = {**new_identity(), "fullName": f"Ärger Öl {uuid.uuid4().hex[:6]}"}
    assert api.post("/auth/sign-up", identity, format="json").status_code == 201
    same = {**identity, "fullName": identity["fullName"].lower(), "email": "o-" + identity["email"]}
    response = api.post("/auth/sign-up", same, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "username_taken")


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("onlyletters", "Needs a number."),
        ("12345678", "Needs a lowercase letter."),
        ("short1a", "Ensure this field has at least 8 characters."),
        (" passw0rd-123", "Must not start or end with a space or a control character."),
        ("passw0rd\n123", "Must be one line."),
    ],
)
def test_a_password_against_the_pools_policy_is_400_naming_the_rule(api, password, message):
    """Checked against the pool's policy (ecommerce.bootstrap.PASSWORD_POLICY) before
    Cognito is asked, so the schema can say what a valid password is."""
    from accounts.models import User

    identity = {**new_identity(), "password": password}
    response = api.post("/auth/sign-up", identity, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"password": [message]}
    assert not User.objects.filter(email=identity["email"]).exists()


def test_confirm_unknown_user_is_404(api):
    response = api.post(
        "/auth/confirm-sign-up",
        {"fullName": "No Such Person", "confirmationCode": "1"},
        format="json",
    )
    assert response.status_code == 404
    assert response.json()["code"] == "user_not_found"


def test_forgot_password_is_200_for_anyone_and_reset_works(api):
    identity = new_identity()
    sign_up_and_confirm(api, identity)
    for who in (
        {"email": identity["email"]},
        {"email": "nobody@example.com"},
        {"fullName": "Nobody"},
    ):
        response = api.post("/auth/forgot-password", who, format="json")
        assert response.status_code == 200
        assert response.json() == {"msg": "If that account exists, a reset code is on its way."}

    response = api.post(
        "/auth/confirm-forgot-password",
        {"email": identity["email"], "confirmationCode": "123456", "newPassword": "n3w-passw0rd"},
        format="json",
    )
    assert response.status_code == 200
    old = api.post(
        "/auth/sign-in", {"email": identity["email"], "password": PASSWORD}, format="json"
    )
    assert old.status_code == 401
    new = api.post(
        "/auth/sign-in", {"email": identity["email"], "password": "n3w-passw0rd"}, format="json"
    )
    assert new.status_code == 200


def test_me_without_token_is_401(api):
    response = api.get("/auth/me")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["code"] == "not_authenticated"
