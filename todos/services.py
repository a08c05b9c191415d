"""Task writes: the one place task rules live. The REST API, agent tools and admin call these."""

import re
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from config.text import clean_visible_text
from todos.lists import inbox_for
from todos.models import (
    DESCRIPTION_MAX_LENGTH,
    PRIORITY_HIGHEST,
    PRIORITY_NONE,
    TITLE_MAX_LENGTH,
    Task,
    TaskCounter,
    TaskList,
)

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


def clean_priority(priority: object) -> int:
    """1 (highest) to 4 (no priority), or a ValidationError on `priority`."""
    is_number = isinstance(priority, int) and not isinstance(priority, bool)
    if is_number and PRIORITY_HIGHEST <= priority <= PRIORITY_NONE:
        return priority
    raise ValidationError(
        {"priority": [f"A priority is {PRIORITY_HIGHEST} (highest) to {PRIORITY_NONE} (none)."]}
    )


def _check_list_owner(task_list: TaskList, owner_id: int) -> TaskList:
    if task_list.owner_id != owner_id:  # callers look lists up by owner; this is a backstop
        raise ValidationError({"list": ["No such list."]})
    return task_list


def next_task_number(*, owner: AbstractBaseUser) -> int:
    """The owner's next task number. Call inside the transaction that creates the task: the
    counter's row stays locked until it commits, so two tasks never get the same number."""
    counted = TaskCounter.objects.filter(owner=owner).update(last_number=F("last_number") + 1)
    if not counted:  # an account older than counters that the migration did not see
        TaskCounter.objects.get_or_create(owner=owner)
        TaskCounter.objects.filter(owner=owner).update(last_number=F("last_number") + 1)
    return TaskCounter.objects.values_list("last_number", flat=True).get(owner=owner)


def task_create(
    *,
    owner: AbstractBaseUser,
    title: str,
    description: str = "",
    due_date: object = None,
    task_list: TaskList | None = None,
    priority: object = PRIORITY_NONE,
) -> Task:
    """A new task with the owner's next number, in `task_list` (else the Inbox)."""
    fields = {
        "title": clean_title(title),
        "description": clean_description(description),
        "due_date": clean_due_date(due_date),
        "priority": clean_priority(priority),
    }
    with transaction.atomic():
        if task_list is None:
            task_list = inbox_for(owner=owner)
        _check_list_owner(task_list, owner.pk)
        number = next_task_number(owner=owner)
        return Task.objects.create(owner=owner, number=number, list=task_list, **fields)


def task_update(
    *,
    task: Task,
    title: str | None = None,
    description: str | None = None,
    completed: bool | None = None,
    due_date: object = None,
    clear_due_date: bool = False,
    task_list: TaskList | None = None,
    priority: object = None,
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
    if task_list is not None:
        task.list = _check_list_owner(task_list, task.owner_id)
        changed.append("list")
    if priority is not None:
        task.priority = clean_priority(priority)
        changed.append("priority")
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
