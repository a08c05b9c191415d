from accounts.apis import MeApi, MeExportApi, PasswordApi, RegisterApi
from accounts.token_apis import LogoutApi, TokenObtainApi, TokenRefreshApi
from config.routing import optional_slash

# Sign-in, token, refresh, register, password change and deletion count against
# AUTH_RATE_LIMIT (config/ratelimit.py): each view says so itself.
urlpatterns = [
    *optional_slash("token/", TokenObtainApi.as_view(), name="token-obtain"),
    *optional_slash("token/refresh/", TokenRefreshApi.as_view(), name="token-refresh"),
    *optional_slash("logout/", LogoutApi.as_view(), name="auth-logout"),
    *optional_slash("register/", RegisterApi.as_view(), name="register"),
    *optional_slash("password/", PasswordApi.as_view(), name="auth-password"),
    *optional_slash("me/", MeApi.as_view(), name="me"),
    *optional_slash("me/export/", MeExportApi.as_view(), name="me-export"),
]
