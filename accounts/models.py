import re

from django.contrib.auth.models import AbstractUser
from django.db import models

from ecommerce.fields import fold


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
    # fold(username), fold(email): unique whatever the case, the same on every database.
    username_key = models.CharField(max_length=150, unique=True, editable=False)
    email_key = models.CharField(max_length=254, blank=True, editable=False)
    # Tokens issued before this instant are refused (set by sign-out).
    tokens_revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["email_key"],
                condition=~models.Q(email_key=""),
                name="accounts_user_email_key_unique",
            )
        ]

    def __str__(self) -> str:
        return self.email or self.username

    def save(self, *args, **kwargs):
        self.username_key, self.email_key = fold(self.username), fold(self.email)
        fields = kwargs.get("update_fields")
        if fields is not None and {"username", "email"} & set(fields):
            kwargs["update_fields"] = {*fields, "username_key", "email_key"}
        super().save(*args, **kwargs)
