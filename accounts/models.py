import re

from django.contrib.auth.models import AbstractUser
from django.db import models


def username_for(full_name: str) -> str:
    """The Cognito username of a full name (the old service's rule): whitespace runs
    replaced by `_`."""
    return re.sub(r"\s+", "_", full_name.strip())


class User(AbstractUser):
    """A shop user. API users are Cognito users (keyed by `cognito_sub`); admin-only staff
    accounts created with createsuperuser have no Cognito identity and log in with a
    Django password."""

    cognito_sub = models.CharField(max_length=64, unique=True, null=True, blank=True)
    full_name = models.CharField(max_length=200, blank=True)
    email = models.EmailField("email address", blank=True)
    # Tokens issued before this instant are refused (set by sign-out).
    tokens_revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                models.functions.Lower("email"),
                condition=~models.Q(email=""),
                name="accounts_user_email_ci_unique",
            )
        ]

    def __str__(self) -> str:
        return self.email or self.username
