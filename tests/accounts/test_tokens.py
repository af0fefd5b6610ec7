"""Every token attack is a 401 with `WWW-Authenticate: Bearer` and the error shape."""

import time

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization

from accounts import tokens
from ecommerce import aws
from tests.accounts import forge

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(make_user):
    return make_user()


def public_pem() -> bytes:
    keyset = requests.get(tokens.jwks_url(), timeout=5).json()
    key = jwt.PyJWK.from_dict(keyset["keys"][0], algorithm="RS256").key
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


ATTACKS = {
    "tampered-payload": lambda t, s: forge.with_payload(t, {**claims_of(t), "sub": "someone-else"}),
    "tampered-signature": lambda t, s: (
        t[:-6] + ("AAAAAA" if not t.endswith("AAAAAA") else "BBBBBB")
    ),
    "alg-none": lambda t, s: forge.alg_none(claims_of(t)),
    "hs256-with-public-key": lambda t, s: forge.hs256_with_public_key(claims_of(t), public_pem()),
    "expired": lambda t, s: forge.signed(
        {**forge.valid_claims(s), "iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600}
    ),
    "wrong-issuer": lambda t, s: forge.signed(
        {
            **forge.valid_claims(s),
            "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other",
        }
    ),
    "wrong-audience": lambda t, s: forge.signed({**forge.valid_claims(s), "aud": "another-client"}),
    "wrong-client-id": lambda t, s: forge.signed(
        {**forge.valid_claims(s, "access"), "client_id": "another-client"}
    ),
    "token-use-missing": lambda t, s: forge.signed(
        {k: v for k, v in forge.valid_claims(s).items() if k != "token_use"}
    ),
    "token-use-wrong": lambda t, s: forge.signed({**forge.valid_claims(s), "token_use": "refresh"}),
    "unknown-kid": lambda t, s: forge.signed(forge.valid_claims(s), kid="rotated-away"),
    "garbage": lambda t, s: "not-a-token",
    "three-garbage-parts": lambda t, s: "a.b.c",
}


@pytest.mark.parametrize("attack", ATTACKS.values(), ids=ATTACKS.keys())
def test_token_attacks_are_401(api, signed_in, attack):
    token = attack(signed_in.tokens["IdToken"], signed_in.user.cognito_sub)
    response = api.get("/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["code"] == "invalid_token"


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(lambda t: t, id="no-scheme"),
        pytest.param(lambda t: f"Basic {t}", id="basic-scheme"),
        pytest.param(lambda t: f"Bearer {t} extra", id="three-parts"),
        pytest.param(lambda t: "Bearer", id="scheme-only"),
    ],
)
def test_malformed_authorization_headers_are_401(api, signed_in, header):
    response = api.get("/auth/me", HTTP_AUTHORIZATION=header(signed_in.tokens["IdToken"]))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_forged_but_correctly_formed_token_is_accepted(api, signed_in):
    """The forging helper itself is sound: with every claim right, the token works (so the
    attacks above fail for the one claim they change, not for a forging mistake)."""
    for use in ("id", "access"):
        token = forge.signed(forge.valid_claims(signed_in.user.cognito_sub, use))
        assert api.get("/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


def test_unknown_sub_with_valid_token_creates_the_local_user(api):
    from accounts.models import User

    token = forge.signed({**forge.valid_claims("brand-new-sub"), "cognito:username": "Someone_New"})
    response = api.get("/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert User.objects.get(cognito_sub="brand-new-sub").username == "Someone_New"


def test_jwks_is_fetched_once_and_refetch_on_unknown_kid_is_bounded(api, signed_in, monkeypatch):
    fetches = []
    real_get = requests.get

    def counting_get(url, *args, **kwargs):
        fetches.append(url)
        return real_get(url, *args, **kwargs)

    tokens.keys.clear()
    monkeypatch.setattr(tokens.requests, "get", counting_get)
    header = f"Bearer {signed_in.tokens['IdToken']}"
    for _ in range(5):
        assert api.get("/auth/me", HTTP_AUTHORIZATION=header).status_code == 200
    assert len(fetches) == 1
    bad = f"Bearer {forge.signed(forge.valid_claims(signed_in.user.cognito_sub), kid='new-kid')}"
    for _ in range(5):
        assert api.get("/auth/me", HTTP_AUTHORIZATION=bad).status_code == 401
    assert len(fetches) == 1  # within JWKS_MIN_REFETCH_SECONDS of the last fetch: no refetch


def test_jwks_url_and_issuer_are_separate(settings):
    pool_id, _ = aws.cognito_ids()
    assert tokens.issuer() == f"https://cognito-idp.us-east-1.amazonaws.com/{pool_id}"
    assert tokens.jwks_url() == f"{settings.AWS_ENDPOINT_URL}/{pool_id}/.well-known/jwks.json"


@pytest.mark.django_db
def test_the_user_for_a_token_is_the_row_as_the_orm_reads_it():
    """accounts.selectors.user_for_sub builds its query once and converts the row itself:
    the same values, types and time zones as the ORM's, on SQLite and PostgreSQL."""
    from django.utils import timezone

    from accounts.models import User
    from accounts.selectors import user_for_sub

    user = User.objects.create(
        username="Ada_Lovelace",
        email="ada@example.com",
        cognito_sub="sub-ada",
        tokens_revoked_at=timezone.now(),
        last_login=timezone.now(),
    )
    found = user_for_sub("sub-ada")
    expected = User.objects.get(pk=user.pk)
    fields = [f.attname for f in User._meta.concrete_fields]
    assert [getattr(found, f) for f in fields] == [getattr(expected, f) for f in fields]
    assert found.tokens_revoked_at.tzinfo is not None
    assert (found._state.adding, found._state.db) == (False, "default")
    assert user_for_sub("sub-nobody") is None


def test_a_verified_token_is_not_checked_again_until_it_expires(signed_in, monkeypatch):
    """accounts.tokens.verified: the same token text is verified once per process; an
    entry ends at the token's expiry (leeway included) or after VERIFIED_TTL_SECONDS."""
    checks = []
    real = tokens._verify
    monkeypatch.setattr(tokens, "_verify", lambda token: checks.append(token) or real(token))
    claims = forge.valid_claims(signed_in.user.cognito_sub)
    token = forge.signed(claims)
    for _ in range(3):
        assert tokens.verify(token).sub == signed_in.user.cognito_sub
    assert len(checks) == 1

    # Past the token's expiry (and the leeway) the entry is gone: checked again, refused.
    later = claims["exp"] + tokens.settings.JWT_LEEWAY_SECONDS + 1
    monkeypatch.setattr(tokens.time, "time", lambda: later)
    assert tokens.verified.get((token, tokens.issuer(), aws.cognito_ids()[1])) is None

    monkeypatch.undo()
    monkeypatch.setattr(tokens, "_verify", lambda token: checks.append(token) or real(token))
    monkeypatch.setattr(tokens, "VERIFIED_TTL_SECONDS", 0)
    other = forge.signed({**claims, "iat": claims["iat"] - 1})
    tokens.verify(other)
    tokens.verify(other)
    assert checks[1:] == [other, other]


def test_a_cached_token_is_still_refused_after_sign_out(api, signed_in):
    header = f"Bearer {signed_in.tokens['IdToken']}"
    assert api.get("/auth/me", HTTP_AUTHORIZATION=header).status_code == 200
    response = api.post(
        "/auth/sign-out", {"accessToken": signed_in.tokens["AccessToken"]}, format="json"
    )
    assert response.status_code == 200
    assert api.get("/auth/me", HTTP_AUTHORIZATION=header).status_code == 401
