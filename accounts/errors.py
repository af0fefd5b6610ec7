"""The accounts' domain errors (each leaves as the API's error shape, ecommerce/errors.py)."""

from ecommerce.errors import Conflict, DomainError, Forbidden, NotFound, Unauthorized


class InvalidToken(Exception):
    """The token is not a valid token of our pool and app client (always a 401)."""


class UsernameTaken(Conflict):
    code = "username_taken"

    def __init__(self, message: str = "That name is already registered."):
        super().__init__(message)


class EmailTaken(Conflict):
    code = "email_taken"

    def __init__(self, message: str = "That email is already registered."):
        super().__init__(message)


class InvalidPassword(DomainError):
    code = "invalid_password"  # the message is the pool's reason


class InvalidCode(DomainError):
    code = "invalid_code"


class UserNotFound(NotFound):
    code = "user_not_found"


class AlreadyConfirmed(Conflict):
    code = "already_confirmed"


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"

    def __init__(self, message: str = "Wrong name, email or password."):
        super().__init__(message)


class NotConfirmed(Forbidden):
    code = "not_confirmed"


class TokenRefused(Unauthorized):
    code = "invalid_token"
