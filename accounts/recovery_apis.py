"""Endpoints for getting back into an account: ask for a password reset link, set a new
password with it, verify an email address, and mail its verification link again.

Asking for a reset link answers `202` with the same body whatever the address: the lookup and
the mail happen off the request path (accounts.password_reset).
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.addresses import email_verification_resend, email_verify
from accounts.apis import email_field
from accounts.mail import site_url
from accounts.password_reset import password_reset_confirm, password_reset_request
from config.openapi import error_responses
from config.ratelimit import AuthRateThrottle

TAGS = ["auth"]
RESET_ACCEPTED = (
    "If an account has this address and it is verified, a link to reset its password is on "
    "its way. It works once, for a limited time."
)
VERIFICATION_SENT = "A verification link is on its way to your address."


@extend_schema_serializer(component_name="Accepted")
class AcceptedSerializer(serializers.Serializer):
    detail = serializers.CharField()


class PasswordResetApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AuthRateThrottle]

    @extend_schema_serializer(component_name="PasswordResetRequest")
    class InputSerializer(serializers.Serializer):
        email = email_field()

    @extend_schema(
        request=InputSerializer,
        responses={202: AcceptedSerializer, **error_responses(400, 429)},
        tags=TAGS,
        summary="Ask for a password reset link",
        description="Always `202` with the same body, whether or not an account has this "
        "address: the lookup and the mail happen after the answer. A verified address is "
        "mailed a one-time link (`PASSWORD_RESET_TIMEOUT`); an unknown or unverified one "
        "nothing. Limited per client address (AUTH_RATE_LIMIT, `429`) and per target address "
        "(EMAIL_RATE_LIMIT: silently no mail, still `202`).",
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        password_reset_request(email=serializer.validated_data["email"], site_url=site_url(request))
        return Response({"detail": RESET_ACCEPTED}, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AuthRateThrottle]

    @extend_schema_serializer(component_name="PasswordResetConfirm")
    class InputSerializer(serializers.Serializer):
        uid = serializers.CharField(max_length=64, help_text="The link's `uid`.")
        token = serializers.CharField(max_length=128, help_text="The link's `token`.")
        new_password = serializers.CharField(write_only=True, trim_whitespace=False)

    @extend_schema(
        request=InputSerializer,
        responses={
            204: OpenApiResponse(description="Set; every session and token of the user ended."),
            **error_responses(400, 429),
        },
        tags=TAGS,
        summary="Set a new password with a reset link",
        description="`uid` and `token` are the reset link's query parameters. A link that was "
        "used, or followed by any other password change, or is older than "
        "`PASSWORD_RESET_TIMEOUT` is 400 on `token`; sign-up's password rules apply (400 on "
        "`new_password`). Every session, refresh token and access token of the user ends.",
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        password_reset_confirm(**serializer.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailVerifyApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema_serializer(component_name="EmailVerify")
    class InputSerializer(serializers.Serializer):
        token = serializers.CharField(max_length=512, help_text="The link's `token`.")

    @extend_schema(
        request=InputSerializer,
        responses={
            204: OpenApiResponse(description="The address is verified."),
            **error_responses(400),
        },
        tags=TAGS,
        summary="Verify an email address",
        description="`token` is the verification link's query parameter. A link older than "
        "`EMAIL_VERIFY_TIMEOUT_S`, or for an address the account no longer has, is 400 on "
        "`token`.",
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        email_verify(**serializer.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailVerifyResendApi(APIView):
    throttle_classes = [AuthRateThrottle]

    @extend_schema(
        request=None,
        responses={202: AcceptedSerializer, **error_responses(400, 401, 403, 429)},
        tags=TAGS,
        summary="Mail my verification link again",
        description="400 on `email` when the account has no address or it is verified "
        "already. Limited per client address (AUTH_RATE_LIMIT, `429`) and per target address "
        "(EMAIL_RATE_LIMIT: silently no mail, still `202`).",
    )
    def post(self, request: Request) -> Response:
        email_verification_resend(user=request.user, site_url=site_url(request))
        return Response({"detail": VERIFICATION_SENT}, status=status.HTTP_202_ACCEPTED)
