"""Forging tokens for the attack tests, signed with the emulator's own Cognito key.

moto signs every token with one RSA key that ships inside the moto package; signing with
it lets a test produce a correctly signed token with exactly one claim wrong.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
import time
from importlib import resources

import jwt

from ecommerce import aws


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def emulator_private_key():
    raw = resources.files("moto.cognitoidp").joinpath("resources/jwks-private.json.gz")
    jwk = json.loads(gzip.decompress(raw.read_bytes()))
    return jwt.PyJWK.from_dict(jwk, algorithm="RS256").key


def valid_claims(sub: str, token_use: str = "id") -> dict:
    pool_id, client_id = aws.cognito_ids()
    now = int(time.time())
    claims = {
        "iss": f"https://cognito-idp.us-east-1.amazonaws.com/{pool_id}",
        "sub": sub,
        "token_use": token_use,
        "iat": now,
        "auth_time": now,
        "exp": now + 3600,
    }
    claims["aud" if token_use == "id" else "client_id"] = client_id
    return claims


def signed(claims: dict, *, kid: str = "dummy") -> str:
    return jwt.encode(claims, emulator_private_key(), algorithm="RS256", headers={"kid": kid})


def alg_none(claims: dict) -> str:
    header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": "dummy"}).encode())
    return f"{header}.{_b64(json.dumps(claims).encode())}."


def hs256_with_public_key(claims: dict, public_pem: bytes) -> str:
    """The classic key-confusion attack: HMAC-sign with the RSA public key as secret."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "dummy"}).encode())
    payload = _b64(json.dumps(claims).encode())
    mac = hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(mac)}"


def with_payload(token: str, claims: dict) -> str:
    header, _, signature = token.split(".")
    return f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"
