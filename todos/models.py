"""The user's todo list."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual

TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 2000


class Task(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tasks"
    )
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    description = models.TextField(max_length=DESCRIPTION_MAX_LENGTH, blank=True, default="")
    completed = models.BooleanField(default=False)
    completed_at = models.DateTimeField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # Pending first, then the earliest due date (undated last), then newest.
        ordering = [
            "completed",
            models.F("due_date").asc(nulls_last=True),
            "-created_at",
            "-id",
        ]
        indexes = [models.Index(fields=["owner", "completed"], name="task_owner_completed_idx")]
        constraints = [
            models.CheckConstraint(
                condition=GreaterThanOrEqual(Length("title"), 1)
                & LessThanOrEqual(Length("title"), TITLE_MAX_LENGTH),
                name="task_title_length",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("description"), DESCRIPTION_MAX_LENGTH),
                name="task_description_length",
            ),
            models.CheckConstraint(
                condition=models.Q(completed=False) | models.Q(completed_at__isnull=False),
                name="task_completed_has_timestamp",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class TaskChange(models.Model):
    """What one of the assistant's tool calls did to a task: enough to take it back.

    `before` and `after` are snapshots of the task's editable fields (todos.changes); `before`
    is null for an add, `after` null for a delete. Written in the same transaction as the
    change itself, by the tool, never from anything the model says.
    """

    class Kind(models.TextChoices):
        ADD = "add"
        COMPLETE = "complete"
        DELETE = "delete"
        UPDATE = "update"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="task_changes"
    )
    # The SDK's id of the tool call: the transcript's tool_calls[].call_id.
    call_id = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # Not a foreign key: the task is gone after a delete (or any later delete).
    task_id = models.BigIntegerField()
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["owner", "call_id"], name="taskchange_owner_call_idx")]

    def __str__(self) -> str:
        return f"{self.kind} task {self.task_id} ({self.call_id})"
