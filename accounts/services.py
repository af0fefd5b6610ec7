"""Account verbs: Cognito does the identity work, the local User row mirrors it."""

from __future__ import annotations

import logging

from botocore.exceptions import ClientError
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import selectors
from accounts.errors import (
    AlreadyConfirmed,
    EmailTaken,
    InvalidCode,
    InvalidCredentials,
    InvalidPassword,
    InvalidToken,
    NotConfirmed,
    TokenRefused,
    UsernameTaken,
    UserNotFound,
)
from accounts.models import User, username_for
from accounts.tokens import VerifiedToken, verify
from ecommerce import aws
from ecommerce.errors import Conflict, DomainError, Forbidden, NotFound
from ecommerce.fields import fold

logger = logging.getLogger(__name__)

TOKEN_KEYS = ("AccessToken", "ExpiresIn", "IdToken", "RefreshToken", "TokenType")


def _cognito(operation: str, **kwargs) -> dict:
    """Call Cognito; outages become AwsUnavailable (503), other errors stay ClientError.

    A pool or app client Cognito does not know (ResourceNotFoundException) may have been
    replaced by bootstrap_aws since this process read the ids: they are read again from
    SSM and, if they changed, the call is made once more with the new ones.
    """
    try:
        return _cognito_call(operation, kwargs)
    except ClientError as exc:
        if aws.error_code(exc) != "ResourceNotFoundException":
            raise
        old = dict(zip(("UserPoolId", "ClientId"), aws.cognito_ids(), strict=True))
        if not aws.cognito_ids_reread(settings.JWKS_MIN_REFETCH_SECONDS):
            raise
        new = dict(zip(("UserPoolId", "ClientId"), aws.cognito_ids(), strict=True))
        for key in old:
            if kwargs.get(key) == old[key]:
                kwargs[key] = new[key]
        return _cognito_call(operation, kwargs)


def _cognito_call(operation: str, kwargs: dict) -> dict:
    return aws.call("cognito-idp", operation, **kwargs)


def _client_id() -> str:
    return aws.cognito_ids()[1]


def _tokens(result: dict) -> dict:
    return {key: result[key] for key in TOKEN_KEYS if key in result}


def user_sign_up(*, email: str, full_name: str, password: str) -> User:
    username = username_for(full_name)
    if User.objects.filter(username_key=fold(username)).exists():
        raise UsernameTaken()
    if User.objects.filter(email_key=fold(email)).exists():
        raise EmailTaken()
    try:
        result = _cognito(
            "sign_up",
            ClientId=_client_id(),
            Username=username,
            Password=password,
            UserAttributes=[
                {"Name": "email", "Value": email},
                {"Name": "name", "Value": full_name.strip()},
            ],
        )
    except ClientError as exc:
        code = aws.error_code(exc)
        if code == "UsernameExistsException":
            raise UsernameTaken() from exc
        if code == "InvalidPasswordException":
            raise InvalidPassword(exc.response["Error"]["Message"]) from exc
        if code == "InvalidParameterException":
            raise DomainError(exc.response["Error"]["Message"], code="invalid_parameter") from exc
        raise
    try:
        with transaction.atomic():
            return User.objects.create(
                username=username,
                email=email,
                full_name=full_name.strip(),
                cognito_sub=result["UserSub"],
            )
    except IntegrityError as exc:
        # Lost a race for the name or email: undo the Cognito user so both stay in step.
        try:
            _cognito("admin_delete_user", UserPoolId=aws.cognito_ids()[0], Username=username)
        except (ClientError, aws.AwsUnavailable):
            logger.exception("could not undo a Cognito sign-up", extra={"username": username})
        raise Conflict("That name or email is already registered.", code="conflict") from exc


def user_confirm_sign_up(*, full_name: str, code: str) -> None:
    try:
        _cognito(
            "confirm_sign_up",
            ClientId=_client_id(),
            Username=username_for(full_name),
            ConfirmationCode=code,
        )
    except ClientError as exc:
        error = aws.error_code(exc)
        if error == "UserNotFoundException":
            raise UserNotFound("No such user.") from exc
        if error == "CodeMismatchException":
            raise InvalidCode("The confirmation code is wrong.") from exc
        if error == "ExpiredCodeException":
            raise DomainError("The confirmation code has expired.", code="expired_code") from exc
        if error == "NotAuthorizedException":
            raise AlreadyConfirmed("The user is already confirmed.") from exc
        raise


def _login_username(*, full_name: str | None, email: str | None) -> str | None:
    if email:
        user = selectors.user_by_login(email=email)
        return user.username if user else None
    return username_for(full_name or "")


def user_sign_in(*, password: str, full_name: str | None = None, email: str | None = None) -> dict:
    """Tokens for a confirmed user. Wrong password and unknown user are the same 401."""
    invalid = InvalidCredentials()
    username = _login_username(full_name=full_name, email=email)
    if not username:
        raise invalid
    try:
        result = _cognito(
            "initiate_auth",
            ClientId=_client_id(),
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
    except ClientError as exc:
        error = aws.error_code(exc)
        if error in {"NotAuthorizedException", "UserNotFoundException"}:
            raise invalid from exc
        if error == "UserNotConfirmedException":
            raise NotConfirmed("Confirm your email first.") from exc
        if error == "PasswordResetRequiredException":
            raise Forbidden("Reset your password first.", code="password_reset_required") from exc
        raise
    tokens = _tokens(result["AuthenticationResult"])
    # Make sure the local row exists (e.g. a user created in Cognito directly).
    token = verify(tokens["IdToken"])
    if selectors.user_for_sub(token.sub) is None:
        user_from_token(token)
    return tokens


def user_refresh(*, refresh_token: str) -> dict:
    try:
        result = _cognito(
            "initiate_auth",
            ClientId=_client_id(),
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": refresh_token},
        )
    except ClientError as exc:
        if aws.error_code(exc) in {"NotAuthorizedException", "UserNotFoundException"}:
            raise TokenRefused("Invalid or revoked refresh token.") from exc
        raise
    return _tokens(result["AuthenticationResult"])


def user_sign_out(*, access_token: str) -> None:
    """Cognito GlobalSignOut, and a local revocation time that every endpoint checks."""
    try:
        token = verify(access_token)
    except InvalidToken as exc:
        raise TokenRefused(f"Invalid token: {exc}") from exc
    if token.token_use != "access":
        raise TokenRefused("Sign-out needs the access token.")
    user = selectors.user_for_sub(token.sub) or user_from_token(token)
    if selectors.token_revoked(user, token):
        raise TokenRefused("Token has been revoked (signed out).")
    try:
        _cognito("global_sign_out", AccessToken=access_token)
    except ClientError as exc:
        if aws.error_code(exc) == "NotAuthorizedException":
            raise TokenRefused("Token has been revoked.") from exc
        raise
    User.objects.filter(pk=user.pk).update(tokens_revoked_at=timezone.now())


def user_resend_confirmation(*, full_name: str | None = None, email: str | None = None) -> None:
    """Always succeeds from the caller's view (no user enumeration)."""
    username = _login_username(full_name=full_name, email=email)
    if not username:
        return
    try:
        _cognito("resend_confirmation_code", ClientId=_client_id(), Username=username)
    except ClientError as exc:
        logger.info("resend confirmation refused", extra={"error": aws.error_code(exc)})


def user_forgot_password(*, full_name: str | None = None, email: str | None = None) -> None:
    """Always succeeds from the caller's view (no user enumeration)."""
    username = _login_username(full_name=full_name, email=email)
    if not username:
        return
    try:
        _cognito("forgot_password", ClientId=_client_id(), Username=username)
    except ClientError as exc:
        logger.info("forgot password refused", extra={"error": aws.error_code(exc)})


def user_confirm_forgot_password(
    *, code: str, new_password: str, full_name: str | None = None, email: str | None = None
) -> None:
    invalid = InvalidCode("The code is wrong or has expired.")
    username = _login_username(full_name=full_name, email=email)
    if not username:
        raise invalid
    try:
        _cognito(
            "confirm_forgot_password",
            ClientId=_client_id(),
            Username=username,
            ConfirmationCode=code,
            Password=new_password,
        )
    except ClientError as exc:
        error = aws.error_code(exc)
        if error == "InvalidPasswordException":
            raise InvalidPassword(exc.response["Error"]["Message"]) from exc
        # An unknown name is UserNotFoundException on AWS, ResourceNotFoundException on moto.
        if error in {
            "CodeMismatchException",
            "ExpiredCodeException",
            "UserNotFoundException",
            "ResourceNotFoundException",
        }:
            raise invalid from exc
        raise


def user_from_token(token: VerifiedToken) -> User:
    """The local row for a valid token whose `sub` we have not seen (created in Cognito
    directly, or a database restored from before the sign-up)."""
    username = token.username or token.sub
    if User.objects.filter(username_key=fold(username)).exclude(cognito_sub=token.sub).exists():
        username = f"{username}-{token.sub[:8]}"
    user, _ = User.objects.get_or_create(
        cognito_sub=token.sub,
        defaults={
            "username": username,
            "email": token.claims.get("email", ""),
            "full_name": token.claims.get("name", ""),
        },
    )
    return user


def user_set_staff(*, email: str, staff: bool) -> User:
    user = User.objects.filter(email_key=fold(email)).first()
    if user is None:
        raise NotFound(f"No user with email {email}.")
    user.is_staff = staff
    user.save(update_fields=["is_staff"])
    return user
