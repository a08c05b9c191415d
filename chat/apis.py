"""Conversation endpoints under /api/<user_id>/conversations/: list, read, rename, delete."""

from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsPathUser
from chat.conversations import (
    ConversationNotFound,
    ConversationRunActive,
    conversation_active_run_id,
    conversation_delete,
    conversation_get,
    conversation_list,
    conversation_messages,
    conversation_rename,
)
from chat.models import TITLE_MAX_LENGTH, Conversation, Message
from config.openapi import error_responses

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


@extend_schema_serializer(component_name="Message")
class MessageOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    role = serializers.ChoiceField(choices=Message.Role.choices)
    content = serializers.CharField()
    status = serializers.ChoiceField(choices=Message.Status.choices)
    tool_calls = ToolCallOutputSerializer(many=True)
    run_id = serializers.UUIDField(allow_null=True)
    model_name = serializers.CharField()
    input_tokens = serializers.IntegerField(allow_null=True)
    output_tokens = serializers.IntegerField(allow_null=True)
    time_to_first_token_ms = serializers.IntegerField(allow_null=True)
    duration_ms = serializers.IntegerField(allow_null=True)
    error_code = serializers.CharField()
    created_at = serializers.DateTimeField()


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
            run_id = conversation_active_run_id(conversation=conversation)
            return None if run_id is None else str(run_id)

        @extend_schema_field(MessageOutputSerializer(many=True))
        def get_messages(self, conversation: Conversation) -> list:
            messages = conversation_messages(conversation=conversation)
            return MessageOutputSerializer(messages, many=True).data

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
