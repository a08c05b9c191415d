"""Account endpoints: register, who-am-I, change the email address or the password, export,
delete the account. Tokens and logout are in accounts/token_apis.py; password reset and
address verification in accounts/recovery_apis.py."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.addresses import EMAIL_MAX_LENGTH, email_verified
from accounts.export import account_export, export_filename
from accounts.mail import site_url
from accounts.preferences import (
    DEFAULT_REMINDER_MAX_MINUTES,
    UNCHANGED,
    clean_time_zone,
    preferences_for,
    preferences_update,
)
from accounts.services import (
    password_confirm,
    user_delete,
    user_email_change,
    user_password_change,
    user_register,
)
from accounts.sessions import session_keep_signed_in
from config.downloads import streaming_attachment
from config.openapi import error_responses
from config.ratelimit import (
    AuthRateThrottle,
    RateLimited,
    RegisterRateThrottle,
    auth_attempt_retry_after,
)
from config.timezones import MAX_ZONE_NAME_LENGTH
from todos.apis import StrictBooleanField

TAGS = ["auth"]
TIME_ZONE_HELP = (
    'Your IANA time zone, e.g. "Europe/Paris"; "" until known (the page sets it from the '
    'browser at sign-in). Due times, repeats, reminders and "today" are in it unless a '
    "request sends X-Timezone (or a chat `timezone`); without either, the server's TIME_ZONE."
)
DEFAULT_REMINDER_HELP = (
    "The reminder a task gets when it is given a due time: null none, 0 at the due time, N "
    f"minutes before it (at most {DEFAULT_REMINDER_MAX_MINUTES})."
)
REMIND_IN_PAGE_HELP = "Reminders appear in your open Taskstream pages (the live `reminder` event)."
REMIND_BY_EMAIL_HELP = "Reminders are mailed to your address, once it is verified."


def _change_schema(*, request, done: str, summary: str, description: str):
    """The schema of a change to the caller's account, which checks their password: 204, or
    400/401/403 (CSRF)/429 (AUTH_RATE_LIMIT)."""
    return extend_schema(
        request=request,
        responses={
            204: OpenApiResponse(description=done),
            **error_responses(400, 401, 403, 429),
        },
        tags=TAGS,
        summary=summary,
        description=description,
    )


@extend_schema_serializer(component_name="User")
class UserOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.CharField(help_text='The account\'s address; "" when it has none.')
    email_verified = serializers.SerializerMethodField(
        help_text="Its verification link was opened since it was set (a changed address is "
        "unverified until then). Only a verified address gets password reset links."
    )

    time_zone = serializers.SerializerMethodField(help_text=TIME_ZONE_HELP)
    default_reminder_minutes = serializers.SerializerMethodField(help_text=DEFAULT_REMINDER_HELP)
    remind_in_page = serializers.SerializerMethodField(help_text=REMIND_IN_PAGE_HELP)
    remind_by_email = serializers.SerializerMethodField(help_text=REMIND_BY_EMAIL_HELP)

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_email_verified(self, user) -> bool:
        return email_verified(user)

    def get_time_zone(self, user) -> str:
        return preferences_for(user).time_zone

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_default_reminder_minutes(self, user) -> int | None:
        return preferences_for(user).default_reminder_minutes

    def get_remind_in_page(self, user) -> bool:
        return preferences_for(user).remind_in_page

    def get_remind_by_email(self, user) -> bool:
        return preferences_for(user).remind_by_email


def email_field(**options) -> serializers.EmailField:
    return serializers.EmailField(max_length=EMAIL_MAX_LENGTH, allow_blank=True, **options)


class RegisterApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AuthRateThrottle, RegisterRateThrottle]

    @extend_schema_serializer(component_name="Register")
    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(write_only=True, trim_whitespace=False)
        email = email_field(
            required=False,
            default="",
            help_text="Optional: where a verification link and, once verified, password reset "
            "links go.",
        )

    @extend_schema(
        request=InputSerializer,
        responses={201: UserOutputSerializer, **error_responses(400, 429)},
        tags=TAGS,
        description="Usernames are unique regardless of case: `DEMO` is refused (400 on "
        "`username`) when `demo` exists; so are email addresses (400 on `email`). An address "
        "is mailed a verification link.",
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_register(**serializer.validated_data, site_url=site_url(request))
        return Response(UserOutputSerializer(user).data, status=status.HTTP_201_CREATED)


class MeApi(APIView):
    @extend_schema_serializer(component_name="AccountDelete")
    class DeleteInputSerializer(serializers.Serializer):
        password = serializers.CharField(write_only=True, trim_whitespace=False)

    @extend_schema_serializer(component_name="MeUpdate")
    class UpdateInputSerializer(serializers.Serializer):
        email = email_field(
            required=False, help_text='A new address ("" removes it); needs `password`.'
        )
        password = serializers.CharField(
            write_only=True,
            trim_whitespace=False,
            required=False,
            help_text="Your current password: needed to change `email`, and only then.",
        )
        time_zone = serializers.CharField(
            required=False,
            allow_blank=True,
            max_length=MAX_ZONE_NAME_LENGTH,
            help_text=TIME_ZONE_HELP,
        )
        default_reminder_minutes = serializers.IntegerField(
            required=False,
            allow_null=True,
            min_value=0,
            max_value=DEFAULT_REMINDER_MAX_MINUTES,
            help_text=DEFAULT_REMINDER_HELP,
        )
        remind_in_page = StrictBooleanField(required=False, help_text=REMIND_IN_PAGE_HELP)
        remind_by_email = StrictBooleanField(required=False, help_text=REMIND_BY_EMAIL_HELP)

        def validate_time_zone(self, name: str) -> str:
            # Checked here, before an address change in the same request is made.
            try:
                return clean_time_zone(name)
            except DjangoValidationError as unknown:
                raise serializers.ValidationError(unknown.message_dict["time_zone"]) from None

        def validate(self, data: dict) -> dict:
            if not data:
                raise serializers.ValidationError(
                    "Give the email address (with your password) or a preference to change."
                )
            if "email" in data and "password" not in data:
                raise serializers.ValidationError(
                    {"password": ["Your current password is needed to change the address."]}
                )
            return data

    @extend_schema(responses={200: UserOutputSerializer, **error_responses(401)}, tags=TAGS)
    def get(self, request: Request) -> Response:
        return Response(UserOutputSerializer(request.user).data)

    @extend_schema(
        request=UpdateInputSerializer,
        responses={200: UserOutputSerializer, **error_responses(400, 401, 403, 429)},
        tags=TAGS,
        summary="Change my email address, time zone or reminder preferences",
        description="Any of the fields. `email` needs the current `password` (400 on "
        "`password` if wrong; an attempt against AUTH_RATE_LIMIT); addresses are unique "
        "regardless of case (400 on `email`); a changed address is unverified and is mailed a "
        "verification link, the previous address a notice of the change. `time_zone`: an IANA "
        'name or "" (an unknown one → 400 on `time_zone`); `default_reminder_minutes`, '
        "`remind_in_page`, `remind_by_email`: the reminder preferences.",
    )
    def patch(self, request: Request) -> Response:
        serializer = self.UpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = serializer.validated_data
        if "email" in fields:
            if (retry_after := auth_attempt_retry_after(request)) is not None:
                raise RateLimited(retry_after)
            user_email_change(
                user=request.user,
                email=fields.pop("email"),
                password=fields.pop("password"),
                site_url=site_url(request),
            )
        fields.pop("password", None)
        if fields:
            preferences_update(
                user=request.user,
                time_zone=fields.get("time_zone", UNCHANGED),
                default_reminder_minutes=fields.get("default_reminder_minutes", UNCHANGED),
                remind_in_page=fields.get("remind_in_page"),
                remind_by_email=fields.get("remind_by_email"),
            )
        return Response(UserOutputSerializer(request.user).data)

    @_change_schema(
        request=DeleteInputSerializer,
        done="The account and all its data are deleted.",
        summary="Delete my account",
        description="Deletes the caller with all of their conversations, messages and tasks, "
        "in one transaction, after cancelling a run in progress. A wrong `password` is 400; "
        "afterwards the account's tokens are 401.",
    )
    def delete(self, request: Request) -> Response:
        # It checks the password: an attempt against AUTH_RATE_LIMIT, like signing in.
        if (retry_after := auth_attempt_retry_after(request)) is not None:
            raise RateLimited(retry_after)
        serializer = self.DeleteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        password_confirm(user=request.user, password=serializer.validated_data["password"])
        user_delete(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeExportApi(APIView):
    @extend_schema(
        responses={
            (200, "application/json"): OpenApiResponse(
                response=OpenApiTypes.OBJECT,
                description="An attachment: one JSON document, `{exported_at, user, tasks, "
                "conversations}`, each conversation with every message (text, status, tool "
                "calls, token usage, timings).",
            ),
            **error_responses(401),
        },
        tags=TAGS,
        summary="Download my data",
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        return streaming_attachment(
            request._request,
            account_export(user=request.user),
            filename=export_filename(request.user),
            content_type="application/json",
        )


class PasswordApi(APIView):
    throttle_classes = [AuthRateThrottle]  # it checks the old password

    @extend_schema_serializer(component_name="PasswordChange")
    class InputSerializer(serializers.Serializer):
        old_password = serializers.CharField(write_only=True, trim_whitespace=False)
        new_password = serializers.CharField(write_only=True, trim_whitespace=False)

    @_change_schema(
        request=InputSerializer,
        done="Changed; every other session and token ended.",
        summary="Change my password",
        description="Django's password validators apply (400 on `new_password`); a wrong "
        "`old_password` is 400 on that field. Every session and token of the user ends, except "
        "the caller's own web session when it made this request.",
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        by_session = isinstance(request.successful_authenticator, SessionAuthentication)
        user_password_change(
            user=request.user,
            **serializer.validated_data,
            keep_session_key=request.session.session_key if by_session else None,
        )
        if by_session:
            session_keep_signed_in(request._request, request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
