"""Task writes: the one place task rules live. The REST API, agent tools and admin call these."""

import re
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.utils import timezone

from config.text import clean_visible_text
from todos.models import DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH, Task

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
TITLE_REQUIRED = "A task needs a title."


def clean_title(title: object) -> str:
    """A stripped title of 1 to 200 characters that shows as it reads, or a ValidationError on
    `title`: one of only invisible characters counts as empty; direction controls are refused."""
    return clean_visible_text(
        title,
        field="title",
        max_length=TITLE_MAX_LENGTH,
        required=TITLE_REQUIRED,
        # Said in the assistant's reply as it stands: plain words, the numbers that matter.
        too_long="Task titles can be up to {max_length} characters — this one has {length}.",
    )


def clean_description(description: object) -> str:
    """Empty, or up to 2000 characters that show as they read (the title's rule)."""
    return clean_visible_text(
        description,
        field="description",
        max_length=DESCRIPTION_MAX_LENGTH,
        too_long="Task descriptions can be up to {max_length} characters — this one has {length}.",
    )


def clean_due_date(due_date: object) -> date | None:
    """A calendar date from a `date`, an ISO `YYYY-MM-DD` string or None, or a
    ValidationError on `due_date`."""
    if due_date is None or isinstance(due_date, date):
        return due_date
    if isinstance(due_date, str) and ISO_DATE.fullmatch(due_date.strip()):
        try:
            return date.fromisoformat(due_date.strip())
        except ValueError:  # e.g. 2026-02-30
            pass
    shown = str(due_date)[:40]
    raise ValidationError({"due_date": [f'"{shown}" is not a date: give it as YYYY-MM-DD.']})


def task_create(
    *, owner: AbstractBaseUser, title: str, description: str = "", due_date: object = None
) -> Task:
    return Task.objects.create(
        owner=owner,
        title=clean_title(title),
        description=clean_description(description),
        due_date=clean_due_date(due_date),
    )


def task_update(
    *,
    task: Task,
    title: str | None = None,
    description: str | None = None,
    completed: bool | None = None,
    due_date: object = None,
    clear_due_date: bool = False,
) -> Task:
    """Change the given fields; None leaves a field as it is, `clear_due_date` removes the date.

    Only the changed columns are written, so an edit from the task panel and one from the
    assistant at the same moment never silently revert each other.
    """
    changed = ["updated_at"]
    if title is not None:
        task.title = clean_title(title)
        changed.append("title")
    if description is not None:
        task.description = clean_description(description)
        changed.append("description")
    if clear_due_date and due_date is not None:
        raise ValidationError({"due_date": ["Give a due date or clear it, not both."]})
    if clear_due_date or due_date is not None:
        task.due_date = None if clear_due_date else clean_due_date(due_date)
        changed.append("due_date")
    if completed is not None and completed != task.completed:
        task.completed = completed
        task.completed_at = timezone.now() if completed else None
        changed += ["completed", "completed_at"]
    task.save(update_fields=changed)
    return task


def task_complete(*, task: Task) -> Task:
    return task_update(task=task, completed=True)


def task_delete(*, task: Task) -> None:
    task.delete()
