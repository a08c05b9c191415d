"""Task endpoints under /api/<user_id>/tasks/ (one task, many at once, and undoing a change to
many): the same services and selectors the agent's tools call, behind JSON."""

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsPathUser
from accounts.preferences import time_zone_of
from config.openapi import ErrorSerializer, error_responses
from config.timezones import TIMEZONE_HEADER, UnknownTimeZone, local_today, zone_from_header
from todos.bulk import BULK_ACTIONS, BULK_MAX_TASKS, tasks_bulk_change
from todos.changes import (
    ChangeAlreadyUndone,
    ChangeConflict,
    ChangeNotFound,
    change_group_undo,
    task_update_recorded,
)
from todos.lists import ListNotFound, list_get
from todos.models import (
    DESCRIPTION_MAX_LENGTH,
    PRIORITY_HIGHEST,
    PRIORITY_NONE,
    TITLE_MAX_LENGTH,
    Task,
    TaskList,
)
from todos.recurrence import recurrence_text
from todos.reminders import format_utc, reminder_times
from todos.selectors import DUE_FILTERS, TASK_STATUSES, TaskNotFound, task_get, task_list
from todos.services import task_create, task_delete

TAGS = ["tasks"]
SEARCH_MAX_LENGTH = 200
DUE_DATE_HELP = "The day the task is due (`YYYY-MM-DD`), or null for none."
DUE_TIME_HELP = (
    "The time of day it is due (`HH:MM`, 24-hour, wall-clock time in your time zone), or null "
    "for none. Needs a due date (400 on `due_time` without one)."
)
RECURRENCE_HELP = (
    "How the task repeats: an RFC 5545 RRULE such as `FREQ=WEEKLY;BYDAY=MO` (every Monday), "
    '`FREQ=MONTHLY;BYMONTHDAY=1` or `FREQ=DAILY` with a due time; `""` for none. Completing a '
    "repeating task moves it to its next occurrence. At most hourly, COUNT at most 1000; "
    "without a due date it starts on its first day from today. Invalid → 400 on `recurrence`."
)
TIMEZONE_PARAMETER = OpenApiParameter(
    TIMEZONE_HEADER,
    str,
    location=OpenApiParameter.HEADER,
    description="Your IANA time zone, e.g. `Europe/Paris`: `?due=` counts from your local "
    "date, and a completed repeating task moves past your local time. Absent: the zone stored "
    "on your account (`PATCH /api/auth/me/`), else the server's `TIME_ZONE`. An unknown "
    "zone → 400.",
)


def request_zone(request: Request) -> str:
    """The zone the client sent (`X-Timezone`, "" when none), or a 400 naming the header."""
    try:
        return zone_from_header(request)
    except UnknownTimeZone as unknown:
        raise exceptions.ValidationError({TIMEZONE_HEADER: [str(unknown)]}) from None


def _due_date_field(**options) -> serializers.DateField:
    return serializers.DateField(
        input_formats=["iso-8601"], allow_null=True, help_text=DUE_DATE_HELP, **options
    )


def _due_time_field(**options) -> serializers.TimeField:
    return serializers.TimeField(
        format="%H:%M", input_formats=["%H:%M"], allow_null=True, help_text=DUE_TIME_HELP, **options
    )


def _recurrence_field(**options) -> serializers.CharField:
    # Checked by the service (todos.recurrence), whose errors name `recurrence`.
    return serializers.CharField(
        allow_blank=True, trim_whitespace=False, help_text=RECURRENCE_HELP, **options
    )


class StrictBooleanField(serializers.BooleanField):
    """JSON true or false only: DRF's BooleanField would also take "yes", "1" or 0."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        self.fail("invalid", input=data)


PRIORITY_HELP = "1 (highest, shown P1) to 4 (no priority, the default)."
LIST_HELP = "The id of the list the task is in (each user has an Inbox)."


def _priority_field(**options) -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=PRIORITY_HIGHEST, max_value=PRIORITY_NONE, help_text=PRIORITY_HELP, **options
    )


class UndoConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The task changed since, so undoing would lose that change."
    default_code = "undo_conflict"


class AlreadyUndone(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This change is already undone."
    default_code = "already_undone"


def owned_list(request: Request, list_id: int, field: str = "list") -> TaskList:
    """The caller's list `list_id`, or a 400 on `field`: another user's is missing too."""
    try:
        return list_get(owner=request.user, list_id=list_id)
    except ListNotFound:
        raise exceptions.ValidationError({field: [f"You have no list {list_id}."]}) from None


@extend_schema_serializer(component_name="Task")
class TaskOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField(
        help_text="Your own number for the task (#1, #2, ...): counts from 1 per user and is "
        "never given again after a delete. Read-only."
    )
    list = serializers.IntegerField(source="list_id", help_text=LIST_HELP)
    title = serializers.CharField()
    description = serializers.CharField()
    priority = serializers.IntegerField(help_text=PRIORITY_HELP)
    completed = serializers.BooleanField()
    completed_at = serializers.DateTimeField(allow_null=True)
    due_date = serializers.DateField(allow_null=True, help_text=DUE_DATE_HELP)
    due_time = _due_time_field()
    recurrence = serializers.CharField(help_text=RECURRENCE_HELP)
    recurrence_text = serializers.SerializerMethodField(
        help_text='The repeat in plain English, e.g. "every Monday"; "" when it does not repeat. '
        "Read-only."
    )
    reminders = serializers.SerializerMethodField(
        help_text="The moments the task reminds you (pending and sent), in UTC, sorted: add "
        "and remove them with POST/DELETE .../tasks/{id}/reminders/."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_recurrence_text(self, task: Task) -> str:
        return recurrence_text(task.recurrence)

    @extend_schema_field(
        serializers.ListField(child=serializers.DateTimeField(), help_text="ISO 8601, UTC.")
    )
    def get_reminders(self, task: Task) -> "list[str]":  # `list` is a field in here
        return [format_utc(moment) for moment in reminder_times(task)]


def owned_task(request: Request, task_id: int) -> Task:
    """The caller's task `task_id`, or a 404: another user's is missing too."""
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
        list = serializers.IntegerField(min_value=1, required=False)
        priority = _priority_field(required=False)
        number = serializers.IntegerField(min_value=1, required=False)

    @extend_schema_serializer(component_name="TaskCreate")
    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=TITLE_MAX_LENGTH)
        description = serializers.CharField(
            max_length=DESCRIPTION_MAX_LENGTH, default="", allow_blank=True
        )
        due_date = _due_date_field(default=None)
        due_time = _due_time_field(default=None)
        recurrence = _recurrence_field(default="")
        list = serializers.IntegerField(
            min_value=1, required=False, help_text=f"{LIST_HELP} Absent: the Inbox."
        )
        priority = _priority_field(default=PRIORITY_NONE)

    # What an OPTIONS request describes for POST (GenericAPIView's metadata asks for it).
    serializer_class = InputSerializer

    @extend_schema(
        tags=TAGS,
        summary="Your tasks: pending first, then by priority, then by due date (undated last), "
        "then newest",
        parameters=[
            OpenApiParameter(
                "status", enum=TASK_STATUSES, default="all", description="Which tasks to list."
            ),
            OpenApiParameter(
                "search",
                str,
                description="Only tasks whose title or description contains this, in any case "
                "of any script (`CAFÉ` finds `café`).",
            ),
            OpenApiParameter("list", int, description="Only the tasks of this list (its id)."),
            OpenApiParameter("priority", int, enum=[1, 2, 3, 4], description="Only this priority."),
            OpenApiParameter("number", int, description="Only your task with this number."),
            OpenApiParameter(
                "due",
                enum=DUE_FILTERS,
                description="By due date, from your local date: `today`; `tomorrow`; "
                "`overdue` (before today and not completed); `week` (today to 6 days ahead); "
                "`next_week` (Monday to Sunday of the next calendar week); `none` (no date).",
            ),
            TIMEZONE_PARAMETER,
        ],
        responses={200: TaskOutputSerializer(many=True), **error_responses(400, 401, 403, 404)},
    )
    def get(self, request: Request, user_id: int) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        zone = request_zone(request)
        chosen = filters.validated_data
        today = local_today(time_zone_of(request.user, zone)) if "due" in chosen else None
        if "list" in chosen:
            chosen["task_list"] = owned_list(request, chosen.pop("list"))
        tasks = task_list(owner=request.user, today=today, **chosen).prefetch_related("reminders")
        page = self.paginate_queryset(tasks)
        return self.get_paginated_response(TaskOutputSerializer(page, many=True).data)

    @extend_schema(
        tags=TAGS,
        summary="Add a task",
        parameters=[TIMEZONE_PARAMETER],
        request=InputSerializer,
        responses={201: TaskOutputSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request: Request, user_id: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = serializer.validated_data
        if "list" in fields:
            fields["task_list"] = owned_list(request, fields.pop("list"))
        task = task_create(owner=request.user, time_zone=request_zone(request), **fields)
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
        due_time = _due_time_field(required=False)
        recurrence = _recurrence_field(required=False)
        list = serializers.IntegerField(min_value=1, required=False, help_text=LIST_HELP)
        priority = _priority_field(required=False)

    @extend_schema(
        tags=TAGS,
        summary="A task",
        responses={200: TaskOutputSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request: Request, user_id: int, task_id: int) -> Response:
        return Response(TaskOutputSerializer(owned_task(request, task_id)).data)

    @extend_schema(
        tags=TAGS,
        summary="Change a task's title, description, completion, list, priority, due date, "
        "time or repeat (null clears a date or time; clearing the date clears the time and "
        "the repeat)",
        description="Completing a repeating task (`completed: true`) moves it to its next "
        "occurrence instead: it stays pending with its new `due_date` (and `due_time`); the "
        "completion is recorded in the task's change history. When its rule has no more "
        "occurrences, it is completed.",
        parameters=[TIMEZONE_PARAMETER],
        request=InputSerializer,
        responses={200: TaskOutputSerializer, **error_responses(400, 401, 403, 404)},
    )
    def patch(self, request: Request, user_id: int, task_id: int) -> Response:
        task = owned_task(request, task_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = serializer.validated_data
        if "list" in changes:
            changes["task_list"] = owned_list(request, changes.pop("list"))
        clear_due_date = "due_date" in changes and changes["due_date"] is None
        clear_due_time = "due_time" in changes and changes["due_time"] is None
        task = task_update_recorded(
            task=task,
            clear_due_date=clear_due_date,
            clear_due_time=clear_due_time,
            time_zone=request_zone(request),
            **changes,
        )
        return Response(TaskOutputSerializer(task).data)

    @extend_schema(
        tags=TAGS,
        summary="Delete a task",
        responses={204: None, **error_responses(401, 403, 404)},
    )
    def delete(self, request: Request, user_id: int, task_id: int) -> Response:
        task_delete(task=owned_task(request, task_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class TaskBulkApi(APIView):
    permission_classes = [IsPathUser]

    @extend_schema_serializer(component_name="TaskBulkChange")
    class InputSerializer(serializers.Serializer):
        ids = serializers.ListField(
            child=serializers.IntegerField(),
            min_length=1,
            max_length=BULK_MAX_TASKS,
            help_text=f"The tasks' ids: 1 to {BULK_MAX_TASKS}.",
        )
        action = serializers.ChoiceField(choices=BULK_ACTIONS)
        value = serializers.JSONField(
            required=False,
            allow_null=True,
            help_text="`move`: the list's id; `set_priority`: 1-4; `set_due_date`: "
            "`YYYY-MM-DD`; other actions take none.",
        )

    @extend_schema_serializer(component_name="TaskBulkResult")
    class OutputSerializer(serializers.Serializer):
        tasks = TaskOutputSerializer(
            many=True, help_text="The tasks, as they now are (deleted ones as they were)."
        )
        change_id = serializers.CharField(
            allow_null=True,
            help_text="POST .../tasks/changes/{change_id}/undo takes the whole change back; "
            "null when no task needed changing.",
        )

    @extend_schema(
        tags=TAGS,
        operation_id="tasks_bulk",
        summary="Complete, reopen, delete, move, prioritise or date many tasks at once",
        description="All or nothing, in one transaction: an id that is not yours answers 404 "
        "naming it, and nothing changes. Tasks already as asked are left alone. `complete` "
        "moves a repeating task to its next occurrence instead; `clear_due_date` also clears "
        "the time and the repeat.",
        parameters=[TIMEZONE_PARAMETER],
        request=InputSerializer,
        responses={200: OutputSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request: Request, user_id: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        action, value = serializer.validated_data["action"], serializer.validated_data.get("value")
        if action == "move":
            if isinstance(value, bool) or not isinstance(value, int):
                raise exceptions.ValidationError({"value": ["Give the id of the list."]})
            value = owned_list(request, value, field="value")
        try:
            result = tasks_bulk_change(
                owner=request.user,
                action=action,
                value=value,
                ids=serializer.validated_data["ids"],
                time_zone=request_zone(request),
            )
        except TaskNotFound as missing:
            raise exceptions.NotFound(f"Task {missing.task_id} not found.") from None
        return Response(self.OutputSerializer(result).data)


class TaskChangeUndoApi(APIView):
    permission_classes = [IsPathUser]

    @extend_schema_serializer(component_name="TaskChangeUndo")
    class OutputSerializer(serializers.Serializer):
        change_id = serializers.CharField()
        undone_at = serializers.DateTimeField()
        tasks = serializers.SerializerMethodField(
            help_text="The tasks the change had changed, as they now are (tasks it had added "
            "are gone again)."
        )

        @extend_schema_field(TaskOutputSerializer(many=True))
        def get_tasks(self, undone) -> list:
            kept = [task for task in undone.tasks if task is not None]
            return TaskOutputSerializer(kept, many=True).data

    @extend_schema(
        tags=TAGS,
        operation_id="task_change_undo",
        summary="Undo a change to many tasks (the change_id of a bulk change)",
        description="Every task the change touched goes back as it was, in one transaction; "
        "deleted tasks come back with their numbers. If any of them changed since, nothing is "
        "undone (`409 undo_conflict`).",
        request=None,
        responses={
            200: OutputSerializer,
            **error_responses(401, 403, 404),
            409: OpenApiResponse(
                ErrorSerializer,
                description="`undo_conflict`: a task changed since (nothing was changed); "
                "`already_undone`: the change was undone before.",
            ),
        },
    )
    def post(self, request: Request, user_id: int, change_id: str) -> Response:
        try:
            undone = change_group_undo(owner=request.user, change_id=change_id, user=request.user)
        except ChangeNotFound:
            raise exceptions.NotFound("Change not found.") from None
        except ChangeAlreadyUndone:
            raise AlreadyUndone() from None
        except ChangeConflict:
            raise UndoConflict() from None
        return Response(self.OutputSerializer(undone).data)
