"""Verification of Cognito JWTs (ID and access tokens) against the pool's JWKS.

The JWKS is fetched once and cached; a token signed with an unknown `kid` triggers a
refetch, at most once per JWKS_MIN_REFETCH_SECONDS, so garbage tokens cannot make us hammer
the endpoint. The JWKS URL and the expected issuer are separate settings because the
emulator serves the keys at its own address while its tokens name the real Cognito issuer.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import jwt
import requests
from django.conf import settings

from accounts.errors import InvalidToken
from ecommerce import aws
from ecommerce.local_cache import LocalCache


@dataclass(frozen=True)
class VerifiedToken:
    claims: dict

    @property
    def sub(self) -> str:
        return self.claims["sub"]

    @property
    def token_use(self) -> str:
        return self.claims["token_use"]

    @property
    def username(self) -> str:
        return self.claims.get("cognito:username") or self.claims.get("username", "")

    @property
    def issued_at(self) -> int:
        return int(self.claims["iat"])


def issuer() -> str:
    pool_id, _ = aws.cognito_ids()
    return (
        settings.COGNITO_ISSUER
        or f"https://cognito-idp.{settings.AWS_REGION}.amazonaws.com/{pool_id}"
    )


def jwks_url() -> str:
    if settings.COGNITO_JWKS_URL:
        return settings.COGNITO_JWKS_URL
    pool_id, _ = aws.cognito_ids()
    if aws.endpoint_url():
        return f"{aws.endpoint_url().rstrip('/')}/{pool_id}/.well-known/jwks.json"
    return f"{issuer()}/.well-known/jwks.json"


class _KeyCache:
    def __init__(self):
        self._lock = threading.Lock()
        self._keys: dict[str, jwt.PyJWK] = {}
        self._url: str | None = None
        self._fetched_at = 0.0

    def _fetch(self, url: str) -> None:
        try:
            response = requests.get(url, timeout=settings.AWS_READ_TIMEOUT)
            response.raise_for_status()
            keyset = jwt.PyJWKSet.from_dict(response.json())
        except (requests.RequestException, ValueError, jwt.PyJWKSetError) as exc:
            raise aws.AwsUnavailable("cognito-idp", f"JWKS fetch failed: {exc}") from exc
        self._keys = {key.key_id: key for key in keyset.keys if key.key_id}
        self._url, self._fetched_at = url, time.monotonic()

    def get(self, kid: str) -> jwt.PyJWK:
        url = jwks_url()
        with self._lock:
            if url != self._url:
                self._fetch(url)  # first use, or the pool changed
            elif kid not in self._keys and (
                time.monotonic() - self._fetched_at >= settings.JWKS_MIN_REFETCH_SECONDS
            ):
                self._fetch(url)  # keys rotate: an unknown kid may be a new key
            key = self._keys.get(kid)
        if key is None:
            raise InvalidToken("unknown signing key")
        return key

    def clear(self) -> None:
        with self._lock:
            self._keys, self._url, self._fetched_at = {}, None, 0.0
        verified.clear()


keys = _KeyCache()


# Tokens this process verified, by their exact text and the pool and client they were checked
# against, until they expire (leeway included) or VERIFIED_TTL_SECONDS pass, whichever is first.
# A client sends the same token with every request for its lifetime, and the same bytes verify
# the same way (API Gateway's Cognito authorizer caches by token too); revocation (sign-out)
# is checked by the caller on every request.
VERIFIED_MAX_ENTRIES = 1024
# Also bounds how long a token signed with a key the pool has since dropped stays accepted.
VERIFIED_TTL_SECONDS = 300
verified = LocalCache(VERIFIED_MAX_ENTRIES)


def verify(token: str) -> VerifiedToken:
    """Check signature (RS256 only), issuer, expiry, token_use and audience/client.

    A token of another pool is checked once more after re-reading the pool's ids from SSM
    (at most once per JWKS_MIN_REFETCH_SECONDS): bootstrap_aws may have replaced the pool
    while this process ran.
    """
    _, client_id = aws.cognito_ids()
    key = (token, issuer(), client_id)
    found = verified.get(key)
    if found is not None:
        return found
    try:
        result = _verify(token)
    except InvalidToken:
        if not _names_another_issuer(token) or not aws.cognito_ids_reread(
            settings.JWKS_MIN_REFETCH_SECONDS
        ):
            raise
        return _verify(token)  # checked against the re-read pool: not cached under `key`
    until = min(
        float(result.claims["exp"]) + settings.JWT_LEEWAY_SECONDS,
        time.time() + VERIFIED_TTL_SECONDS,
    )
    verified.put(key, result, until)
    return result


def _names_another_issuer(token: str) -> bool:
    """The token's (unverified) `iss` is not our pool's: a replaced pool, or a forgery."""
    try:
        claimed = jwt.decode(token, options={"verify_signature": False}).get("iss")
    except jwt.InvalidTokenError:
        return False
    return isinstance(claimed, str) and claimed != issuer()


def _verify(token: str) -> VerifiedToken:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as exc:
        raise InvalidToken("malformed token") from exc
    if header.get("alg") != "RS256":
        raise InvalidToken("unsupported algorithm")
    kid = header.get("kid")
    if not isinstance(kid, str):
        raise InvalidToken("token has no key id")
    key = keys.get(kid)
    try:
        claims = jwt.decode(
            token,
            key=key.key,
            algorithms=["RS256"],
            issuer=issuer(),
            leeway=settings.JWT_LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "iss", "sub", "token_use"], "verify_aud": False},
        )
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken("token expired") from exc
    except jwt.InvalidTokenError as exc:
        raise InvalidToken(f"invalid token: {exc}") from exc

    _, client_id = aws.cognito_ids()
    use = claims.get("token_use")
    if use == "id":
        audience = claims.get("aud")
        if audience != client_id and not (isinstance(audience, list) and client_id in audience):
            raise InvalidToken("token is for another client")
    elif use == "access":
        if claims.get("client_id") != client_id:
            raise InvalidToken("token is for another client")
    else:
        raise InvalidToken("token_use must be id or access")
    if not isinstance(claims.get("iat"), int | float):
        raise InvalidToken("invalid iat")
    return VerifiedToken(claims)
