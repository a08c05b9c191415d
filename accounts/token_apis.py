"""Token endpoints: obtain, refresh (rotating) and logout (one token, or everything)."""

from django.contrib.auth.models import AbstractBaseUser
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt import serializers as jwt_serializers
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from accounts.services import user_sign_out_everywhere
from accounts.tokens import RefreshToken, refresh_token_spend, token_user
from config.openapi import error_responses
from config.ratelimit import AuthRateThrottle
from todos.apis import StrictBooleanField

TAGS = ["auth"]


class TokenObtainSerializer(jwt_serializers.TokenObtainPairSerializer):
    """simplejwt's, issuing our RefreshToken (with the credential generation)."""

    token_class = RefreshToken


@extend_schema_serializer(component_name="TokenRefresh")
class TokenRefreshSerializer(serializers.Serializer):
    """Spend a refresh token: a new access token and a new refresh token; the old one is dead."""

    refresh = serializers.CharField()
    access = serializers.CharField(read_only=True)

    def validate(self, attrs: dict) -> dict:
        refresh = refresh_token_spend(attrs["refresh"])
        access = str(refresh.access_token)
        refresh.set_jti()
        refresh.set_exp()
        refresh.set_iat()
        refresh.outstand()
        return {"access": access, "refresh": str(refresh)}


@extend_schema_serializer(component_name="TokenPair")
class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class TokenObtainApi(TokenObtainPairView):
    throttle_classes = [AuthRateThrottle]

    @extend_schema(
        tags=TAGS, responses={200: TokenPairSerializer, **error_responses(400, 401, 429)}
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        return super().post(request, *args, **kwargs)


class TokenRefreshApi(TokenRefreshView):
    throttle_classes = [AuthRateThrottle]

    @extend_schema(
        tags=TAGS,
        request=TokenRefreshSerializer,
        responses={200: TokenPairSerializer, **error_responses(400, 401, 429)},
        description="Rotating: the answer has a new refresh token, and the one sent is refused "
        "from now on (401).",
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        return super().post(request, *args, **kwargs)


class LogoutApi(APIView):
    """End one refresh token, or (`all`) every token and web session of the user."""

    permission_classes = [AllowAny]

    @extend_schema_serializer(component_name="Logout")
    class InputSerializer(serializers.Serializer):
        refresh = serializers.CharField(
            required=False, help_text="The refresh token to end (required unless `all`)."
        )
        all = StrictBooleanField(
            default=False,
            help_text="End every refresh token, access token and web session of the user: the "
            "caller's (Bearer or session), or else the refresh token's owner.",
        )

        def validate(self, attrs: dict) -> dict:
            if not attrs.get("refresh") and not attrs["all"]:
                raise serializers.ValidationError({"refresh": ["This field is required."]})
            return attrs

    @extend_schema(
        tags=TAGS,
        request=InputSerializer,
        responses={205: OpenApiResponse(description="Signed out."), **error_responses(400, 401)},
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user: AbstractBaseUser | None = None
        if data.get("refresh"):
            try:
                user = token_user(refresh_token_spend(data["refresh"]))
            except TokenError as exc:
                raise InvalidToken(exc.args[0]) from exc
        if data["all"]:
            if request.user.is_authenticated:
                user = request.user
            if user is None:
                raise exceptions.NotAuthenticated()
            user_sign_out_everywhere(user=user)
        return Response(status=status.HTTP_205_RESET_CONTENT)
