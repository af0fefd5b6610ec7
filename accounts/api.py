"""Thin views over accounts.services, with the old auth service's keys and messages."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.serializers import (
    ConfirmForgotPasswordInput,
    ConfirmSignUpInput,
    LoginIdentity,
    MeOutput,
    MessageOutput,
    RefreshInput,
    SignInInput,
    SignInOutput,
    SignOutInput,
    SignUpInput,
)
from accounts.throttles import AuthThrottle, SignInAccountThrottle
from ecommerce.openapi import link, links


class PublicAuthView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthThrottle]
    input_serializer = None

    def parsed(self, request) -> dict:
        serializer = self.input_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


# Cognito outages; the error body is added by ecommerce.openapi.AutoSchema.
UNAVAILABLE = OpenApiResponse(description="Cognito is unavailable (`aws_unavailable`).")


SIGN_IN_AS_SIGNED_UP = {
    "fullName": "$request.body#/fullName",
    "password": "$request.body#/password",
}


def message(text: str, status_code: int = status.HTTP_200_OK, **extra) -> Response:
    return Response({"msg": text, **extra}, status=status_code)


class SignUpView(PublicAuthView):
    throttle_scope = "sign_up"
    input_serializer = SignUpInput

    @extend_schema(
        request=SignUpInput,
        responses={
            201: MessageOutput,
            409: OpenApiResponse(description="`username_taken` or `email_taken`."),
            503: UNAVAILABLE,
        },
        tags=["auth"],
        extensions=links(
            201,
            ConfirmSignUp=link(
                "POST /auth/confirm-sign-up", body={"fullName": "$request.body#/fullName"}
            ),
            SignIn=link("POST /auth/sign-in", body=SIGN_IN_AS_SIGNED_UP),
        ),
    )
    def post(self, request):
        data = self.parsed(request)
        services.user_sign_up(
            email=data["email"], full_name=data["fullName"], password=data["password"]
        )
        return message("Account created. Please verify your email.", status.HTTP_201_CREATED)


class ConfirmSignUpView(PublicAuthView):
    throttle_scope = "sign_up"
    input_serializer = ConfirmSignUpInput

    @extend_schema(
        request=ConfirmSignUpInput,
        responses={
            200: MessageOutput,
            404: OpenApiResponse(description="`user_not_found`."),
            409: OpenApiResponse(description="`already_confirmed`."),
            503: UNAVAILABLE,
        },
        tags=["auth"],
        extensions=links(
            200,
            SignIn=link("POST /auth/sign-in", body={"fullName": "$request.body#/fullName"}),
        ),
    )
    def post(self, request):
        data = self.parsed(request)
        services.user_confirm_sign_up(full_name=data["fullName"], code=data["confirmationCode"])
        return message("User successfully confirmed!")


class SignInView(PublicAuthView):
    throttle_scope = "sign_in"
    throttle_classes = [AuthThrottle, SignInAccountThrottle]
    input_serializer = SignInInput

    @extend_schema(
        request=SignInInput,
        responses={
            200: SignInOutput,
            401: OpenApiResponse(description="`invalid_credentials`."),
            403: OpenApiResponse(description="`not_confirmed` or `password_reset_required`."),
            503: UNAVAILABLE,
        },
        tags=["auth"],
        extensions=links(
            200,
            Refresh=link(
                "POST /auth/refresh",
                body={"refreshToken": "$response.body#/tokens/RefreshToken"},
            ),
            SignOut=link(
                "POST /auth/sign-out", body={"accessToken": "$response.body#/tokens/AccessToken"}
            ),
        ),
    )
    def post(self, request):
        data = self.parsed(request)
        tokens = services.user_sign_in(
            password=data["password"], full_name=data.get("fullName"), email=data.get("email")
        )
        return message("User successfully signed in!", tokens=tokens)


class SignOutView(PublicAuthView):
    throttle_classes: list = []
    input_serializer = SignOutInput

    @extend_schema(
        request=SignOutInput,
        responses={
            200: MessageOutput,
            401: OpenApiResponse(
                description="`invalid_token`: invalid, not an access token, or revoked."
            ),
            503: UNAVAILABLE,
        },
        tags=["auth"],
    )
    def post(self, request):
        services.user_sign_out(access_token=self.parsed(request)["accessToken"])
        return message("User successfully signed out!")


class RefreshView(PublicAuthView):
    throttle_scope = "sign_in"
    input_serializer = RefreshInput

    @extend_schema(
        request=RefreshInput,
        responses={
            200: SignInOutput,
            401: OpenApiResponse(description="`invalid_token`: invalid or revoked."),
            503: UNAVAILABLE,
        },
        tags=["auth"],
    )
    def post(self, request):
        tokens = services.user_refresh(refresh_token=self.parsed(request)["refreshToken"])
        return message("Tokens refreshed.", tokens=tokens)


class ResendConfirmationView(PublicAuthView):
    throttle_scope = "password_reset"
    input_serializer = LoginIdentity

    @extend_schema(
        request=LoginIdentity, responses={200: MessageOutput, 503: UNAVAILABLE}, tags=["auth"]
    )
    def post(self, request):
        data = self.parsed(request)
        services.user_resend_confirmation(full_name=data.get("fullName"), email=data.get("email"))
        return message("If that account exists and is unconfirmed, a new code is on its way.")


class ForgotPasswordView(PublicAuthView):
    throttle_scope = "password_reset"
    input_serializer = LoginIdentity

    @extend_schema(
        request=LoginIdentity, responses={200: MessageOutput, 503: UNAVAILABLE}, tags=["auth"]
    )
    def post(self, request):
        data = self.parsed(request)
        services.user_forgot_password(full_name=data.get("fullName"), email=data.get("email"))
        return message("If that account exists, a reset code is on its way.")


class ConfirmForgotPasswordView(PublicAuthView):
    throttle_scope = "password_reset"
    input_serializer = ConfirmForgotPasswordInput

    @extend_schema(
        request=ConfirmForgotPasswordInput,
        responses={200: MessageOutput, 503: UNAVAILABLE},
        tags=["auth"],
    )
    def post(self, request):
        data = self.parsed(request)
        services.user_confirm_forgot_password(
            code=data["confirmationCode"],
            new_password=data["newPassword"],
            full_name=data.get("fullName"),
            email=data.get("email"),
        )
        return message("Password changed. Sign in with the new password.")


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: MeOutput}, tags=["auth"])
    def get(self, request):
        return Response(MeOutput(request.user).data)
