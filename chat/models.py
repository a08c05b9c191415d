"""Conversations and their messages: the stored transcript of every chat turn."""

from django.conf import settings
from django.db import models

TITLE_MAX_LENGTH = 200


class Conversation(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations"
    )
    title = models.CharField(max_length=TITLE_MAX_LENGTH, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Moderation: who flagged this transcript, when, and why.
    flagged = models.BooleanField(default=False)
    flag_reason = models.TextField(blank=True, default="")
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="flagged_conversations",
    )
    flagged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-updated_at"], name="conversation_owner_recent_idx")
        ]
        permissions = [("flag_conversation", "Can flag and unflag conversations")]

    def __str__(self) -> str:
        return self.title or f"Conversation {self.pk}"


class Message(models.Model):
    class Role(models.TextChoices):
        USER = "user"
        ASSISTANT = "assistant"

    class Status(models.TextChoices):
        STREAMING = "streaming"
        COMPLETE = "complete"
        CANCELLED = "cancelled"
        ERROR = "error"
        INTERRUPTED = "interrupted"

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    content = models.TextField(blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.COMPLETE)
    # The assistant's tool calls in order: [{"call_id", "name", "arguments", "output"}].
    tool_calls = models.JSONField(default=list, blank=True)
    run_id = models.UUIDField(null=True, blank=True, db_index=True)
    # A user message's id chosen by the client, so that sending it twice starts one turn.
    client_message_id = models.UUIDField(null=True, blank=True, editable=False)
    model_name = models.CharField(max_length=100, blank=True, default="")
    input_tokens = models.PositiveIntegerField(null=True, blank=True)
    output_tokens = models.PositiveIntegerField(null=True, blank=True)
    time_to_first_token_ms = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    error_code = models.CharField(max_length=50, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["conversation", "created_at"], name="message_conversation_idx"),
            # A turn looks for replies still `streaming` in its conversation: without the
            # status in the index, that read every earlier message (docs/PERFORMANCE.md).
            models.Index(
                fields=["conversation", "status", "created_at"],
                name="message_status_idx",
            ),
            # The sweep for replies left `streaming` by a dead worker (chat.runs.lapsed).
            models.Index(
                fields=["created_at"],
                condition=models.Q(status="streaming"),
                name="message_streaming_idx",
            ),
        ]
        constraints = [
            # Unique per user (turn_start looks it up under a lock of the user); random UUIDs
            # never meet across users, so the database holds them unique outright.
            models.UniqueConstraint(
                fields=["client_message_id"],
                condition=models.Q(client_message_id__isnull=False),
                name="message_client_message_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.content[:60]}"


class DailyTokenUsage(models.Model):
    """The model tokens (input + output, as the provider reported them) a user's turns used
    on one day (TIME_ZONE): what CHAT_DAILY_TOKEN_BUDGET is checked against, kept apart from
    the messages so deleting a conversation does not give the tokens back."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="daily_token_usage"
    )
    day = models.DateField()
    input_tokens = models.PositiveBigIntegerField(default=0)
    output_tokens = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-day", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="daily_token_usage_user_day")
        ]
        verbose_name_plural = "daily token usage"

    def __str__(self) -> str:
        return f"{self.user_id} on {self.day}: {self.tokens} tokens"

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens
