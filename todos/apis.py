"""Task endpoints under /api/<user_id>/tasks/: the same services and selectors the agent's
tools call, behind JSON."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsPathUser
from config.openapi import error_responses
from config.timezones import TIMEZONE_HEADER, UnknownTimeZone, local_today, zone_from_header
from todos.models import DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH, Task
from todos.selectors import DUE_FILTERS, TASK_STATUSES, TaskNotFound, task_get, task_list
from todos.services import task_create, task_delete, task_update

TAGS = ["tasks"]
SEARCH_MAX_LENGTH = 200
DUE_DATE_HELP = "The day the task is due (`YYYY-MM-DD`), or null for none."
TIMEZONE_PARAMETER = OpenApiParameter(
    TIMEZONE_HEADER,
    str,
    location=OpenApiParameter.HEADER,
    description="Your IANA time zone, e.g. `Europe/Paris`: `?due=` counts from your local "
    "date. Absent: the server's `TIME_ZONE`. An unknown zone → 400.",
)


def _due_date_field(**options) -> serializers.DateField:
    return serializers.DateField(
        input_formats=["iso-8601"], allow_null=True, help_text=DUE_DATE_HELP, **options
    )


class StrictBooleanField(serializers.BooleanField):
    """JSON true or false only: DRF's BooleanField would also take "yes", "1" or 0."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        self.fail("invalid", input=data)


@extend_schema_serializer(component_name="Task")
class TaskOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    completed = serializers.BooleanField()
    completed_at = serializers.DateTimeField(allow_null=True)
    due_date = serializers.DateField(allow_null=True, help_text=DUE_DATE_HELP)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


def _get_task(request: Request, task_id: int) -> Task:
    try:
        return task_get(owner=request.user, task_id=task_id)
    except TaskNotFound:
        raise exceptions.NotFound("Task not found.") from None


class TaskListApi(GenericAPIView):
    permission_classes = [IsPathUser]

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=TASK_STATUSES, default="all")
        search = serializers.CharField(max_length=SEARCH_MAX_LENGTH, default="", allow_blank=True)
        due = serializers.ChoiceField(choices=DUE_FILTERS, required=False)

    @extend_schema_serializer(component_name="TaskCreate")
    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=TITLE_MAX_LENGTH)
        description = serializers.CharField(
            max_length=DESCRIPTION_MAX_LENGTH, default="", allow_blank=True
        )
        due_date = _due_date_field(default=None)

    # What an OPTIONS request describes for POST (GenericAPIView's metadata asks for it).
    serializer_class = InputSerializer

    @extend_schema(
        tags=TAGS,
        summary="Your tasks: pending first, then by due date (undated last), then newest",
        parameters=[
            OpenApiParameter(
                "status", enum=TASK_STATUSES, default="all", description="Which tasks to list."
            ),
            OpenApiParameter(
                "search", str, description="Only tasks whose title or description contains this."
            ),
            OpenApiParameter(
                "due",
                enum=DUE_FILTERS,
                description="By due date, from your local date: `today`; `overdue` (before "
                "today and not completed); `week` (today to 6 days ahead); `none` (no date).",
            ),
            TIMEZONE_PARAMETER,
        ],
        responses={200: TaskOutputSerializer(many=True), **error_responses(400, 401, 403, 404)},
    )
    def get(self, request: Request, user_id: int) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        try:
            today = local_today(zone_from_header(request))
        except UnknownTimeZone as unknown:
            raise exceptions.ValidationError({TIMEZONE_HEADER: [str(unknown)]}) from None
        tasks = task_list(owner=request.user, today=today, **filters.validated_data)
        page = self.paginate_queryset(tasks)
        return self.get_paginated_response(TaskOutputSerializer(page, many=True).data)

    @extend_schema(
        tags=TAGS,
        summary="Add a task",
        request=InputSerializer,
        responses={201: TaskOutputSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request: Request, user_id: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        task = task_create(owner=request.user, **serializer.validated_data)
        return Response(TaskOutputSerializer(task).data, status=status.HTTP_201_CREATED)


class TaskDetailApi(APIView):
    permission_classes = [IsPathUser]

    @extend_schema_serializer(component_name="TaskUpdate")
    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=TITLE_MAX_LENGTH, required=False)
        description = serializers.CharField(
            max_length=DESCRIPTION_MAX_LENGTH, required=False, allow_blank=True
        )
        completed = StrictBooleanField(required=False)
        due_date = _due_date_field(required=False)

    @extend_schema(
        tags=TAGS,
        summary="A task",
        responses={200: TaskOutputSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request: Request, user_id: int, task_id: int) -> Response:
        return Response(TaskOutputSerializer(_get_task(request, task_id)).data)

    @extend_schema(
        tags=TAGS,
        summary="Change a task's title, description, completion or due date (null clears it)",
        request=InputSerializer,
        responses={200: TaskOutputSerializer, **error_responses(400, 401, 403, 404)},
    )
    def patch(self, request: Request, user_id: int, task_id: int) -> Response:
        task = _get_task(request, task_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = serializer.validated_data
        clear_due_date = "due_date" in changes and changes["due_date"] is None
        task = task_update(task=task, clear_due_date=clear_due_date, **changes)
        return Response(TaskOutputSerializer(task).data)

    @extend_schema(
        tags=TAGS,
        summary="Delete a task",
        responses={204: None, **error_responses(401, 403, 404)},
    )
    def delete(self, request: Request, user_id: int, task_id: int) -> Response:
        task_delete(task=_get_task(request, task_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
