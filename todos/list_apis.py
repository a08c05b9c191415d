"""List endpoints under /api/<user_id>/lists/: list, create, read, rename, reorder, delete.
The rules are todos.lists'; another user's list answers as a missing one (404)."""

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsPathUser
from config.openapi import ErrorSerializer, error_responses
from todos.lists import (
    InboxProtected,
    list_create,
    list_delete,
    list_list,
    list_move,
    list_rename,
)
from todos.models import LIST_NAME_MAX_LENGTH, TaskList

TAGS = ["lists"]


class InboxProtectedError(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The Inbox cannot be renamed, moved or deleted."
    default_code = "inbox_protected"


@extend_schema_serializer(component_name="TaskList")
class TaskListOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    position = serializers.IntegerField(
        help_text="Where the list stands among yours; the Inbox always comes first."
    )
    is_inbox = serializers.BooleanField(
        help_text="Your Inbox: where tasks go when no list is named; it cannot be renamed or "
        "deleted."
    )
    task_count = serializers.IntegerField()
    pending_count = serializers.IntegerField(help_text="Tasks in the list not completed yet.")
    created_at = serializers.DateTimeField()


def _counted(request: Request, list_id: int) -> TaskList:
    """The caller's list with its counts, or 404."""
    try:
        return list_list(owner=request.user).get(pk=int(list_id))
    except TaskList.DoesNotExist:
        raise exceptions.NotFound("List not found.") from None


def _name_field(**options) -> serializers.CharField:
    return serializers.CharField(
        max_length=LIST_NAME_MAX_LENGTH,
        help_text=f"1 to {LIST_NAME_MAX_LENGTH} characters, unique among your lists in any case.",
        **options,
    )


INBOX_PROTECTED = OpenApiResponse(
    ErrorSerializer,
    description="Invalid input (`invalid`, e.g. a name you already use), or "
    "`inbox_protected`: the Inbox cannot be renamed, moved or deleted.",
)


class TaskListListApi(GenericAPIView):
    permission_classes = [IsPathUser]

    @extend_schema_serializer(component_name="TaskListCreate")
    class InputSerializer(serializers.Serializer):
        name = _name_field()

    serializer_class = InputSerializer

    @extend_schema(
        tags=TAGS,
        summary="Your lists: the Inbox first, then in your order, with their task counts",
        responses={200: TaskListOutputSerializer(many=True), **error_responses(401, 403, 404)},
    )
    def get(self, request: Request, user_id: int) -> Response:
        page = self.paginate_queryset(list_list(owner=request.user))
        return self.get_paginated_response(TaskListOutputSerializer(page, many=True).data)

    @extend_schema(
        tags=TAGS,
        summary="Make a list (it goes last)",
        request=InputSerializer,
        responses={201: TaskListOutputSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request: Request, user_id: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = list_create(owner=request.user, **serializer.validated_data)
        return Response(
            TaskListOutputSerializer(_counted(request, created.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class TaskListDetailApi(APIView):
    permission_classes = [IsPathUser]

    @extend_schema_serializer(component_name="TaskListUpdate")
    class InputSerializer(serializers.Serializer):
        name = _name_field(required=False)
        position = serializers.IntegerField(
            min_value=0,
            required=False,
            help_text="Move the list here among your lists after the Inbox (0 = first); the "
            "others close up around it.",
        )

    class DeleteSerializer(serializers.Serializer):
        delete_tasks = serializers.BooleanField(default=False)

    @extend_schema(
        tags=TAGS,
        summary="A list",
        responses={200: TaskListOutputSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request: Request, user_id: int, list_id: int) -> Response:
        return Response(TaskListOutputSerializer(_counted(request, list_id)).data)

    @extend_schema(
        tags=TAGS,
        summary="Rename a list or move it among yours",
        request=InputSerializer,
        responses={
            200: TaskListOutputSerializer,
            400: INBOX_PROTECTED,
            **error_responses(401, 403, 404),
        },
    )
    def patch(self, request: Request, user_id: int, list_id: int) -> Response:
        task_list = _counted(request, list_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = serializer.validated_data
        try:
            if "name" in changes:
                list_rename(task_list=task_list, name=changes["name"])
            if "position" in changes:
                list_move(task_list=task_list, position=changes["position"])
        except InboxProtected as refusal:
            raise InboxProtectedError(str(refusal)) from None
        return Response(TaskListOutputSerializer(_counted(request, list_id)).data)

    @extend_schema(
        tags=TAGS,
        summary="Delete a list: its tasks move to the Inbox, or go with it",
        parameters=[
            OpenApiParameter(
                "delete_tasks",
                bool,
                default=False,
                description="`true`: delete the list's tasks too; otherwise they move to your "
                "Inbox.",
            )
        ],
        responses={204: None, 400: INBOX_PROTECTED, **error_responses(401, 403, 404)},
    )
    def delete(self, request: Request, user_id: int, list_id: int) -> Response:
        task_list = _counted(request, list_id)
        options = self.DeleteSerializer(data=request.query_params)
        options.is_valid(raise_exception=True)
        try:
            list_delete(task_list=task_list, **options.validated_data)
        except InboxProtected as refusal:
            raise InboxProtectedError(str(refusal)) from None
        return Response(status=status.HTTP_204_NO_CONTENT)
