"""Accounts: the reads."""

from __future__ import annotations

from accounts.models import User, username_for
from accounts.tokens import VerifiedToken
from ecommerce.fields import fold


def user_for_sub(sub: str) -> User | None:
    """The user a token's `sub` names (every authenticated request; `cognito_sub` is unique)."""
    return User.objects.filter(cognito_sub=sub).first()


def user_by_login(*, full_name: str | None = None, email: str | None = None) -> User | None:
    if email:
        return User.objects.filter(email_key=fold(email.strip()), cognito_sub__isnull=False).first()
    if full_name:
        return User.objects.filter(username_key=fold(username_for(full_name))).first()
    return None


def token_revoked(user: User, token: VerifiedToken) -> bool:
    """True for tokens issued before the user's last sign-out.

    `iat` has one-second resolution; a token issued in the very second of a sign-out is
    refused too (the safe side: sign in again a second later).
    """
    revoked_at = user.tokens_revoked_at
    return revoked_at is not None and token.issued_at < revoked_at.timestamp()
