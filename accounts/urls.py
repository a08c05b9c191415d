from accounts.apis import MeApi, MeExportApi, PasswordApi, RegisterApi
from accounts.recovery_apis import (
    EmailVerifyApi,
    EmailVerifyResendApi,
    PasswordResetApi,
    PasswordResetConfirmApi,
)
from accounts.token_apis import LogoutApi, TokenObtainApi, TokenRefreshApi
from config.routing import optional_slash

# Sign-in, token, refresh, register, password change, email change, password reset (request
# and confirm), verification resend and deletion count against AUTH_RATE_LIMIT
# (config/ratelimit.py): each view says so itself.
urlpatterns = [
    *optional_slash("token/", TokenObtainApi.as_view(), name="token-obtain"),
    *optional_slash("token/refresh/", TokenRefreshApi.as_view(), name="token-refresh"),
    *optional_slash("logout/", LogoutApi.as_view(), name="auth-logout"),
    *optional_slash("register/", RegisterApi.as_view(), name="register"),
    *optional_slash("password/", PasswordApi.as_view(), name="auth-password"),
    *optional_slash("password/reset/", PasswordResetApi.as_view(), name="password-reset-api"),
    *optional_slash(
        "password/reset/confirm/",
        PasswordResetConfirmApi.as_view(),
        name="password-reset-confirm-api",
    ),
    *optional_slash("email/verify/", EmailVerifyApi.as_view(), name="email-verify-api"),
    *optional_slash(
        "email/verify/resend/", EmailVerifyResendApi.as_view(), name="email-verify-resend-api"
    ),
    *optional_slash("me/", MeApi.as_view(), name="me"),
    *optional_slash("me/export/", MeExportApi.as_view(), name="me-export"),
]
