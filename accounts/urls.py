from django.urls import path

from accounts import api

urlpatterns = [
    path("sign-up", api.SignUpView.as_view(), name="sign-up"),
    path("confirm-sign-up", api.ConfirmSignUpView.as_view(), name="confirm-sign-up"),
    path("sign-in", api.SignInView.as_view(), name="sign-in"),
    path("sign-out", api.SignOutView.as_view(), name="sign-out"),
    path("refresh", api.RefreshView.as_view(), name="refresh"),
    path("resend-confirmation", api.ResendConfirmationView.as_view(), name="resend-confirmation"),
    path("forgot-password", api.ForgotPasswordView.as_view(), name="forgot-password"),
    path(
        "confirm-forgot-password",
        api.ConfirmForgotPasswordView.as_view(),
        name="confirm-forgot-password",
    ),
    path("me", api.MeView.as_view(), name="me"),
]
