"""Task writes: the one place task rules live. The REST API, agent tools and admin call these."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.utils import timezone

from config.text import clean_text, visible_text_problem
from todos.models import DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH, Task

TITLE_REQUIRED = "A task needs a title."


def clean_title(title: object) -> str:
    """A stripped title of 1 to 200 characters that shows as it reads, or a ValidationError on
    `title`: one of only invisible characters counts as empty; direction controls are refused."""
    text = clean_text(title, field="title", max_length=TITLE_MAX_LENGTH, required=TITLE_REQUIRED)
    if problem := visible_text_problem(text, required=TITLE_REQUIRED):
        raise ValidationError({"title": [problem]})
    return text


def clean_description(description: object) -> str:
    return clean_text(description, field="description", max_length=DESCRIPTION_MAX_LENGTH)


def task_create(*, owner: AbstractBaseUser, title: str, description: str = "") -> Task:
    return Task.objects.create(
        owner=owner, title=clean_title(title), description=clean_description(description)
    )


def task_update(
    *,
    task: Task,
    title: str | None = None,
    description: str | None = None,
    completed: bool | None = None,
) -> Task:
    """Change the given fields; None leaves a field as it is.

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
