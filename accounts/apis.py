"""Account endpoints: register and who-am-I. Tokens come from simplejwt's views."""

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.services import user_register
from config.openapi import error_responses
from config.ratelimit import AuthRateThrottle


@extend_schema_serializer(component_name="User")
class UserOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class RegisterApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AuthRateThrottle]

    @extend_schema_serializer(component_name="Register")
    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(write_only=True, trim_whitespace=False)

    @extend_schema(
        request=InputSerializer,
        responses={201: UserOutputSerializer, **error_responses(400, 429)},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_register(**serializer.validated_data)
        return Response(UserOutputSerializer(user).data, status=status.HTTP_201_CREATED)


class MeApi(APIView):
    @extend_schema(responses={200: UserOutputSerializer, **error_responses(401)}, tags=["auth"])
    def get(self, request: Request) -> Response:
        return Response(UserOutputSerializer(request.user).data)
