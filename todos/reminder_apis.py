"""A task's reminders: `POST/DELETE /api/<user_id>/tasks/<id>/reminders/`. The rules are
todos.reminders'; each answers the task as the tasks API shows it (with its `reminders`)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsPathUser
from config.openapi import error_responses
from todos.apis import TaskOutputSerializer, owned_task
from todos.reminders import MINUTES_BEFORE_MAX, reminder_add, reminder_remove

TAGS = ["tasks"]
REMIND_AT_HELP = "The moment, ISO 8601 with its offset or `Z`, e.g. `2026-12-07T17:00:00+01:00`."


class ReminderTimeField(serializers.DateTimeField):
    """ISO 8601 with an offset: a moment without one is ambiguous (whose 5 PM?)."""

    def __init__(self, **options) -> None:
        super().__init__(input_formats=["iso-8601"], help_text=REMIND_AT_HELP, **options)

    def enforce_timezone(self, value):
        if value.tzinfo is None:
            self.fail("invalid", format="YYYY-MM-DDThh:mm[:ss]±hh:mm or …Z")
        return value


class TaskRemindersApi(APIView):
    permission_classes = [IsPathUser]

    @extend_schema_serializer(component_name="ReminderAdd")
    class InputSerializer(serializers.Serializer):
        remind_at = ReminderTimeField(required=False)
        minutes_before = serializers.IntegerField(
            min_value=0,
            max_value=MINUTES_BEFORE_MAX,
            required=False,
            help_text="Remind this many minutes before the task's due time (0: at it); the "
            "reminder follows the due time when it changes or the task repeats.",
        )

        def validate(self, data):
            if ("remind_at" in data) == ("minutes_before" in data):
                raise serializers.ValidationError(
                    {"remind_at": ["Give remind_at or minutes_before (one of them)."]}
                )
            return data

    class RemoveSerializer(serializers.Serializer):
        remind_at = ReminderTimeField(required=False)

    @extend_schema(
        tags=TAGS,
        operation_id="task_reminder_add",
        summary="Remind you of a task at a moment, or some minutes before its due time",
        description="A moment that has passed → 400 naming `remind_at` (or `minutes_before`); "
        "`minutes_before` on a task without a due time → 400 naming `minutes_before`. Adding "
        "a reminder the task already has changes nothing. At the moment, your open pages get "
        "a `reminder` live event and, if your address is verified and you chose it, a mail.",
        request=InputSerializer,
        examples=[
            OpenApiExample(
                "at a moment", value={"remind_at": "2030-12-07T17:00:00+01:00"}, request_only=True
            ),
            OpenApiExample("before the due time", value={"minutes_before": 30}, request_only=True),
        ],
        responses={201: TaskOutputSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request: Request, user_id: int, task_id: int) -> Response:
        task = owned_task(request, task_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reminder_add(task=task, **serializer.validated_data)
        return Response(TaskOutputSerializer(task).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAGS,
        operation_id="task_reminder_remove",
        summary="Remove a task's reminder at `remind_at`, or all of its reminders",
        parameters=[
            OpenApiParameter(
                "remind_at",
                OpenApiTypes.DATETIME,
                description=f"{REMIND_AT_HELP} (in the query or the body). Absent: every "
                "reminder of the task.",
                examples=[OpenApiExample("one of them", value="2030-12-07T16:00:00Z")],
            )
        ],
        request=RemoveSerializer,
        responses={200: TaskOutputSerializer, **error_responses(400, 401, 403, 404)},
    )
    def delete(self, request: Request, user_id: int, task_id: int) -> Response:
        task = owned_task(request, task_id)
        given = request.data if request.data else request.query_params
        if not hasattr(given, "get"):
            raise exceptions.ValidationError({"remind_at": ["Send an object."]})
        chosen = {"remind_at": given["remind_at"]} if "remind_at" in given else {}
        serializer = self.RemoveSerializer(data=chosen)
        serializer.is_valid(raise_exception=True)
        reminder_remove(task=task, remind_at=serializer.validated_data.get("remind_at"))
        return Response(TaskOutputSerializer(task).data)
