"""Conversation endpoints under /api/<user_id>/conversations/ (list, read, rename, delete) and
the undo of a tool call, POST /api/<user_id>/chat/tool-calls/<call_id>/undo."""

from drf_spectacular.utils import (
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
from chat.conversations import (
    ConversationNotFound,
    ConversationRunActive,
    conversation_delete,
    conversation_get,
    conversation_list,
    conversation_messages,
    conversation_rename,
)
from chat.models import TITLE_MAX_LENGTH, Conversation, Message
from chat.runs.execution import live_run
from chat.tool_calls import shown_tool_calls
from chat.undo import NothingToUndo, ToolCallNotFound, tool_call_changes, tool_call_undo
from config.openapi import ErrorSerializer, error_responses
from todos.apis import AlreadyUndone, TaskOutputSerializer, UndoConflict
from todos.changes import ChangeAlreadyUndone, ChangeConflict
from todos.models import TaskChange

TAGS = ["conversations"]


class RunActiveConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "A reply is still streaming into this conversation; try again when it ends."
    default_code = "run_active"


def _get_conversation(request: Request, conversation_id: int) -> Conversation:
    try:
        return conversation_get(owner=request.user, conversation_id=conversation_id)
    except ConversationNotFound:
        raise exceptions.NotFound("Conversation not found.") from None


@extend_schema_serializer(component_name="ToolCall")
class ToolCallOutputSerializer(serializers.Serializer):
    call_id = serializers.CharField()
    name = serializers.CharField()
    arguments = serializers.JSONField(help_text="The arguments the agent passed.")
    output = serializers.JSONField(
        allow_null=True, help_text="What the tool returned; null until it has returned."
    )
    undoable = serializers.SerializerMethodField(
        help_text="The call changed a task and POST .../chat/tool-calls/{call_id}/undo may "
        "still take it back."
    )
    undone_at = serializers.SerializerMethodField(help_text="When the call was undone, or null.")
    undone_by = serializers.SerializerMethodField(
        help_text="The username of who undid it, or null."
    )

    def _change(self, call: dict) -> TaskChange | None:
        """The call's recorded task change (the view puts them in the context by call id)."""
        return self.context.get("changes", {}).get(call.get("call_id"))

    def _undone(self, call: dict) -> TaskChange | None:
        change = self._change(call)
        return change if change is not None and change.undone_at is not None else None

    @extend_schema_field(serializers.BooleanField())
    def get_undoable(self, call: dict) -> bool:
        return self._change(call) is not None and self._undone(call) is None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_undone_at(self, call: dict) -> str | None:
        undone = self._undone(call)
        return serializers.DateTimeField().to_representation(undone.undone_at) if undone else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_undone_by(self, call: dict) -> str | None:
        undone = self._undone(call)
        return undone.undone_by.get_username() if undone and undone.undone_by else None


@extend_schema_serializer(component_name="Message")
class MessageOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    role = serializers.ChoiceField(choices=Message.Role.choices)
    content = serializers.CharField()
    status = serializers.ChoiceField(choices=Message.Status.choices)
    tool_calls = serializers.SerializerMethodField()
    run_id = serializers.UUIDField(allow_null=True)
    model_name = serializers.CharField()
    input_tokens = serializers.IntegerField(allow_null=True)
    output_tokens = serializers.IntegerField(allow_null=True)
    time_to_first_token_ms = serializers.IntegerField(allow_null=True)
    duration_ms = serializers.IntegerField(allow_null=True)
    error_code = serializers.CharField()
    created_at = serializers.DateTimeField()

    @extend_schema_field(ToolCallOutputSerializer(many=True))
    def get_tool_calls(self, message: Message) -> list:
        calls = shown_tool_calls(message.tool_calls)
        if not calls:
            return []  # most messages: no serializer built for nothing
        return ToolCallOutputSerializer(calls, many=True, context=self.context).data


class ConversationListApi(GenericAPIView):
    permission_classes = [IsPathUser]

    @extend_schema_serializer(component_name="ConversationSummary")
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        title = serializers.CharField()
        created_at = serializers.DateTimeField()
        updated_at = serializers.DateTimeField()
        message_count = serializers.IntegerField()
        last_message_role = serializers.ChoiceField(choices=Message.Role.choices, allow_null=True)
        last_message_preview = serializers.CharField(
            allow_null=True,
            help_text="The start of the last message with text (a reply still streaming has "
            "none yet); null when there is none.",
        )
        last_message_at = serializers.DateTimeField(allow_null=True)

    @extend_schema(
        tags=TAGS,
        summary="Your conversations, most recently active first",
        responses={200: OutputSerializer(many=True), **error_responses(401, 403, 404)},
    )
    def get(self, request: Request, user_id: int) -> Response:
        page = self.paginate_queryset(conversation_list(owner=request.user))
        return self.get_paginated_response(self.OutputSerializer(page, many=True).data)


class ConversationDetailApi(APIView):
    permission_classes = [IsPathUser]

    @extend_schema_serializer(component_name="ConversationDetail")
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        title = serializers.CharField()
        created_at = serializers.DateTimeField()
        updated_at = serializers.DateTimeField()
        active_run_id = serializers.SerializerMethodField(
            help_text="The run writing a reply now (follow it with "
            "`GET /api/{user_id}/chat/runs/{run_id}/events`); null when none."
        )
        messages = serializers.SerializerMethodField()

        @extend_schema_field(serializers.UUIDField(allow_null=True))
        def get_active_run_id(self, conversation: Conversation) -> str | None:
            active = live_run(conversation=conversation)
            return None if active is None else str(active.run_id)

        @extend_schema_field(MessageOutputSerializer(many=True))
        def get_messages(self, conversation: Conversation) -> list:
            messages = list(conversation_messages(conversation=conversation))
            changes = tool_call_changes(conversation_id=conversation.pk, messages=messages)
            return MessageOutputSerializer(messages, many=True, context={"changes": changes}).data

    @extend_schema_serializer(component_name="ConversationRename")
    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=TITLE_MAX_LENGTH, required=False)

    @extend_schema(
        tags=TAGS,
        summary="A conversation and its messages in order, with tool calls and statuses",
        responses={200: OutputSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request: Request, user_id: int, conversation_id: int) -> Response:
        conversation = _get_conversation(request, conversation_id)
        return Response(self.OutputSerializer(conversation).data)

    @extend_schema(
        tags=TAGS,
        summary="Rename a conversation",
        request=InputSerializer,
        responses={200: OutputSerializer, **error_responses(400, 401, 403, 404)},
    )
    def patch(self, request: Request, user_id: int, conversation_id: int) -> Response:
        conversation = _get_conversation(request, conversation_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if "title" in serializer.validated_data:
            conversation = conversation_rename(
                conversation=conversation, title=serializer.validated_data["title"]
            )
        return Response(self.OutputSerializer(conversation).data)

    @extend_schema(
        tags=TAGS,
        summary="Delete a conversation and its messages",
        description="Refused with 409 `run_active` while a reply is streaming into it.",
        responses={204: None, **error_responses(401, 403, 404, 409)},
    )
    def delete(self, request: Request, user_id: int, conversation_id: int) -> Response:
        conversation = _get_conversation(request, conversation_id)
        try:
            conversation_delete(conversation=conversation)
        except ConversationRunActive:
            raise RunActiveConflict() from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class NothingToUndoError(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "This call changed no task, so there is nothing to undo."
    default_code = "nothing_to_undo"


class ToolCallUndoApi(APIView):
    permission_classes = [IsPathUser]

    @extend_schema_serializer(component_name="ToolCallUndo")
    class OutputSerializer(serializers.Serializer):
        call_id = serializers.CharField()
        undone_at = serializers.DateTimeField()
        undone_by = serializers.CharField(source="undone_by.username")
        task = TaskOutputSerializer(
            allow_null=True,
            help_text="The task as it now is; null when the call had added it, or changed "
            "several tasks (bulk_update_tasks).",
        )
        tasks = TaskOutputSerializer(
            many=True,
            help_text="Every task the call had changed that is still there, as it now is.",
        )

    @extend_schema(
        tags=["chat"],
        operation_id="tool_call_undo",
        summary="Undo what one of the assistant's tool calls did to a task (or to several)",
        description="Reverts the change recorded for `call_id` (an add, complete, delete, "
        "update, or every task of a bulk_update_tasks call), atomically: an added task is "
        "deleted, a deleted one restored with its fields "
        "(under its old id when that is free), an edited one gets its earlier fields back. "
        "Not a chat turn: no run is started.",
        request=None,
        responses={
            200: OpenApiResponse(OutputSerializer, description="The call is undone."),
            400: OpenApiResponse(
                ErrorSerializer,
                description="`nothing_to_undo`: the call changed no task (`list_tasks`, or a "
                "call that failed).",
            ),
            **error_responses(401, 403, 404),
            409: OpenApiResponse(
                ErrorSerializer,
                description="`undo_conflict`: the task changed since the call (nothing was "
                "changed); `already_undone`: the call was undone before.",
            ),
        },
    )
    def post(self, request: Request, user_id: int, call_id: str) -> Response:
        try:
            undone = tool_call_undo(user=request.user, call_id=call_id)
        except ToolCallNotFound:
            raise exceptions.NotFound("Tool call not found.") from None
        except NothingToUndo as refusal:
            raise NothingToUndoError(str(refusal)) from None
        except ChangeAlreadyUndone:
            raise AlreadyUndone("This call is already undone.") from None
        except ChangeConflict:
            raise UndoConflict(
                "The task changed since this call, so undoing it would lose that change."
            ) from None
        return Response(self.OutputSerializer(undone).data)
