from django.core.validators import RegexValidator
from rest_framework import serializers

from ecommerce.bootstrap import PASSWORD_POLICY
from ecommerce.fields import StrictCharField, StrictEmailField


def _password_validators(policy: dict) -> list:
    """The pool's policy, checked here so that the schema (one pattern per rule) says what
    Cognito accepts; and Cognito's own rule for any password: one line."""
    rules = [(r"^[^\n\r\x85\u2028\u2029]*\Z", "Must be one line.")]
    for setting, pattern, message in (
        ("RequireLowercase", "[a-z]", "Needs a lowercase letter."),
        ("RequireUppercase", "[A-Z]", "Needs an uppercase letter."),
        ("RequireNumbers", "[0-9]", "Needs a number."),
        ("RequireSymbols", r"[\^$*.\[\]{}()?\"!@#%&/\\,><':;|_~`=+\-]", "Needs a symbol."),
    ):
        if policy[setting]:
            rules.append((pattern, message))
    return [RegexValidator(pattern, message) for pattern, message in rules]


FULL_NAME = {"max_length": 128}
PASSWORD = {
    "min_length": PASSWORD_POLICY["MinimumLength"],
    "max_length": 256,
    "validators": _password_validators(PASSWORD_POLICY),
}
# Cognito's token alphabet: anything else is not a token.
TOKEN = {
    "max_length": 8192,
    "validators": [RegexValidator(r"^[A-Za-z0-9_=.-]+\Z", "Not a token.")],
}


class SignUpInput(serializers.Serializer):
    email = StrictEmailField()
    fullName = StrictCharField(**FULL_NAME)  # noqa: N815 - the old API's keys
    password = StrictCharField(**PASSWORD)


class ConfirmSignUpInput(serializers.Serializer):
    fullName = StrictCharField(**FULL_NAME)  # noqa: N815
    confirmationCode = StrictCharField(max_length=64)  # noqa: N815


class LoginIdentity(serializers.Serializer):
    """Either `fullName` or `email` names the user."""

    required_any = ("fullName", "email")  # documented as the schema's anyOf

    fullName = StrictCharField(required=False, **FULL_NAME)  # noqa: N815
    email = StrictEmailField(required=False)

    def validate(self, attrs):
        if not any(attrs.get(name) for name in self.required_any):
            raise serializers.ValidationError({"fullName": ["Give fullName or email."]})
        return attrs


class SignInInput(LoginIdentity):
    password = StrictCharField(**PASSWORD)


class ConfirmForgotPasswordInput(LoginIdentity):
    confirmationCode = StrictCharField(max_length=64)  # noqa: N815
    newPassword = StrictCharField(**PASSWORD)  # noqa: N815


class SignOutInput(serializers.Serializer):
    accessToken = StrictCharField(**TOKEN)  # noqa: N815


class RefreshInput(serializers.Serializer):
    refreshToken = StrictCharField(**TOKEN)  # noqa: N815


class MessageOutput(serializers.Serializer):
    msg = serializers.CharField()


class TokensOutput(serializers.Serializer):
    AccessToken = serializers.CharField()  # noqa: N815
    ExpiresIn = serializers.IntegerField()  # noqa: N815
    IdToken = serializers.CharField()  # noqa: N815
    RefreshToken = serializers.CharField(required=False)  # noqa: N815
    TokenType = serializers.CharField()  # noqa: N815


class SignInOutput(MessageOutput):
    tokens = TokensOutput()


class MeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    fullName = serializers.CharField(source="full_name")  # noqa: N815
    username = serializers.CharField()
    isStaff = serializers.BooleanField(source="is_staff")  # noqa: N815
    createdAt = serializers.DateTimeField(source="created_at")  # noqa: N815
