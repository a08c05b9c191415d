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
