"""The user's todo list."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual

TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 2000
LIST_NAME_MAX_LENGTH = 60
RECURRENCE_MAX_LENGTH = 500
INBOX_NAME = "Inbox"
PRIORITY_HIGHEST = 1
PRIORITY_NONE = 4  # Todoist's P4: no priority, the default


class TaskList(models.Model):
    """A named list of tasks. Every user has exactly one Inbox (`is_inbox`), made with the
    account, which cannot be renamed or deleted; other lists follow it in `position` order.

    `name_key` is the name casefolded (todos.services.list_name_key): names are unique per user
    whatever their case, "Café" and "CAFÉ" alike, on every database.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="task_lists"
    )
    name = models.CharField(max_length=LIST_NAME_MAX_LENGTH)
    name_key = models.CharField(max_length=4 * LIST_NAME_MAX_LENGTH, editable=False)
    position = models.PositiveIntegerField(default=0)
    is_inbox = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_inbox", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "name_key"], name="tasklist_owner_name_unique"
            ),
            models.UniqueConstraint(
                fields=["owner"], condition=models.Q(is_inbox=True), name="tasklist_one_inbox"
            ),
            models.CheckConstraint(
                condition=GreaterThanOrEqual(Length("name"), 1)
                & LessThanOrEqual(Length("name"), LIST_NAME_MAX_LENGTH),
                name="tasklist_name_length",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TaskCounter(models.Model):
    """The last task number given to a user: numbers count from 1 and are never given twice,
    so a deleted task's number stays free for its undo (todos.services.next_task_number)."""

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="task_counter",
    )
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.owner_id}: #{self.last_number}"


class Task(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tasks"
    )
    # The user's own number for the task (#1, #2, ...): what people and the assistant see.
    number = models.PositiveIntegerField(editable=False)
    list = models.ForeignKey(TaskList, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    description = models.TextField(max_length=DESCRIPTION_MAX_LENGTH, blank=True, default="")
    priority = models.PositiveSmallIntegerField(default=PRIORITY_NONE)
    completed = models.BooleanField(default=False)
    completed_at = models.DateTimeField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    # Wall-clock time on the due date, in the owner's zone (accounts.Preferences.time_zone).
    due_time = models.TimeField(null=True, blank=True)
    # An RFC 5545 RRULE ("FREQ=WEEKLY;BYDAY=MO"), "" when the task does not repeat: completing
    # it moves the task to its next occurrence.
    recurrence = models.CharField(max_length=RECURRENCE_MAX_LENGTH, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # Pending first, then the highest priority, the earliest due date (undated last),
        # then newest.
        ordering = [
            "completed",
            "priority",
            models.F("due_date").asc(nulls_last=True),
            "-created_at",
            "-id",
        ]
        indexes = [
            models.Index(fields=["owner", "completed"], name="task_owner_completed_idx"),
            models.Index(fields=["list", "completed"], name="task_list_completed_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["owner", "number"], name="task_owner_number_unique"),
            models.CheckConstraint(
                condition=models.Q(priority__gte=PRIORITY_HIGHEST, priority__lte=PRIORITY_NONE),
                name="task_priority_range",
            ),
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
            models.CheckConstraint(
                condition=models.Q(due_time__isnull=True) | models.Q(due_date__isnull=False),
                name="task_time_needs_date",
            ),
            models.CheckConstraint(
                condition=models.Q(recurrence="") | models.Q(due_date__isnull=False),
                name="task_recurrence_needs_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Reminder(models.Model):
    """A moment to remind the task's owner of the task, delivered once by the scheduler.

    `remind_at` is in UTC. `minutes_before` is set when the reminder was asked for relative to
    the task's due time ("30 minutes before"): when a recurring task moves to its next
    occurrence, its reminders move with it, keeping that offset.
    """

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="reminders")
    # The task's owner, kept on the row so the scheduler and per-user reads need no join.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    remind_at = models.DateTimeField()
    minutes_before = models.PositiveIntegerField(null=True, blank=True)
    # Delivery: set when handed to its channels; `late` when that was well after `remind_at`
    # (every worker was down). `attempts` and `next_attempt_at`: failed deliveries, retried
    # with backoff. `claimed_until`: a scheduler holds it until then; a claim that expires
    # (its worker died) leaves the reminder to the next one.
    sent_at = models.DateTimeField(null=True, blank=True)
    late = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    # Which scheduler pass holds the claim (reminders.scheduler): a pass whose claim lapsed
    # and was taken over can no longer record anything.
    claimed_by = models.CharField(max_length=32, blank=True, default="")
    # The channels it has reached ("page", "email"), each recorded as soon as it is done, so a
    # retry or a takeover never repeats one.
    delivered = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["remind_at", "id"]
        indexes = [
            models.Index(
                fields=["remind_at"],
                condition=models.Q(sent_at__isnull=True),
                name="reminder_pending_idx",
            ),
            models.Index(fields=["task", "remind_at"], name="reminder_task_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} at {self.remind_at:%Y-%m-%d %H:%M}"


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
