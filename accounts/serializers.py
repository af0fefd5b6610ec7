from rest_framework import serializers

from ecommerce.fields import StrictCharField

FULL_NAME = {"max_length": 128, "trim_whitespace": True}
PASSWORD = {"min_length": 6, "max_length": 256, "trim_whitespace": False}
TOKEN = {"max_length": 8192}


class SignUpInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    fullName = StrictCharField(**FULL_NAME)  # noqa: N815 - the old API's keys
    password = StrictCharField(**PASSWORD)


class ConfirmSignUpInput(serializers.Serializer):
    fullName = StrictCharField(**FULL_NAME)  # noqa: N815
    confirmationCode = StrictCharField(max_length=64)  # noqa: N815


class LoginIdentity(serializers.Serializer):
    """Either `fullName` or `email` names the user."""

    fullName = StrictCharField(required=False, **FULL_NAME)  # noqa: N815
    email = serializers.EmailField(required=False, max_length=254)

    def validate(self, attrs):
        if not attrs.get("fullName") and not attrs.get("email"):
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
