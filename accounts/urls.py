from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from accounts.apis import MeApi, RegisterApi
from config.openapi import error_responses
from config.ratelimit import AuthRateThrottle
from config.routing import optional_slash

# simplejwt's own views, with their 400/401 answers (in the API's error shape) documented.
TokenObtainApi = extend_schema_view(
    post=extend_schema(
        tags=["auth"],
        responses={200: TokenObtainPairSerializer, **error_responses(400, 401, 429)},
    )
)(TokenObtainPairView)
TokenRefreshApi = extend_schema_view(
    post=extend_schema(
        tags=["auth"],
        responses={200: TokenRefreshSerializer, **error_responses(400, 401, 429)},
    )
)(TokenRefreshView)

# Each attempt counts against AUTH_RATE_LIMIT (config/ratelimit.py).
AUTH_THROTTLES = [AuthRateThrottle]

urlpatterns = [
    *optional_slash(
        "token/", TokenObtainApi.as_view(throttle_classes=AUTH_THROTTLES), name="token-obtain"
    ),
    *optional_slash(
        "token/refresh/",
        TokenRefreshApi.as_view(throttle_classes=AUTH_THROTTLES),
        name="token-refresh",
    ),
    *optional_slash("register/", RegisterApi.as_view(), name="register"),
    *optional_slash("me/", MeApi.as_view(), name="me"),
]
