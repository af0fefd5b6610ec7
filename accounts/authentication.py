"""DRF authentication for `Authorization: Bearer <Cognito ID or access token>`."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from accounts import selectors, services
from accounts.errors import InvalidToken
from accounts.tokens import verify


class CognitoJWTAuthentication(authentication.BaseAuthentication):
    """None without credentials (so AllowAny views stay public); 401 on bad ones."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request)
        if not header:
            return None
        parts = header.split()
        if len(parts) != 2 or parts[0].decode("latin-1").lower() != self.keyword.lower():
            raise exceptions.AuthenticationFailed("Authorization header must be 'Bearer <token>'.")
        try:
            token = verify(parts[1].decode("ascii"))
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid token: not ASCII.") from exc
        except InvalidToken as exc:
            raise exceptions.AuthenticationFailed(f"Invalid token: {exc}") from exc
        user = selectors.user_for_sub(token.sub) or services.user_from_token(token)
        if not user.is_active:
            raise exceptions.AuthenticationFailed("User is inactive.")
        if selectors.token_revoked(user, token):
            raise exceptions.AuthenticationFailed("Token has been revoked (signed out).")
        return user, token

    def authenticate_header(self, request):
        return self.keyword


class CognitoJWTScheme(OpenApiAuthenticationExtension):
    target_class = CognitoJWTAuthentication
    name = "cognitoJWT"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "A Cognito ID or access token from POST /auth/sign-in.",
        }
