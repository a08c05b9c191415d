"""Task reads. Every read is scoped to an owner: another user's task does not exist."""

from datetime import date, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from todos.models import Task

TASK_STATUSES = ("all", "pending", "completed")
DUE_FILTERS = ("today", "overdue", "week", "none")
WEEK_DAYS = 7  # `week`: today and the 6 days after it


class TaskNotFound(Exception):
    def __init__(self, task_id: object):
        super().__init__(f"Task {task_id} not found")
        self.task_id = task_id


def _filter_due(tasks: QuerySet[Task], due: str, today: date) -> QuerySet[Task]:
    if due == "today":
        return tasks.filter(due_date=today)
    if due == "overdue":
        return tasks.filter(due_date__lt=today, completed=False)
    if due == "week":
        return tasks.filter(due_date__range=(today, today + timedelta(days=WEEK_DAYS - 1)))
    return tasks.filter(due_date__isnull=True)


def task_list(
    *,
    owner: AbstractBaseUser,
    status: str = "all",
    search: str = "",
    due: str | None = None,
    today: date | None = None,
) -> QuerySet[Task]:
    """The owner's tasks: pending first, then by due date (undated last), then newest.

    `status` is one of TASK_STATUSES; `due`, one of DUE_FILTERS, counts from `today`, the
    user's local date (required with `due`).
    """
    if status not in TASK_STATUSES:
        raise ValueError(f"status must be one of {', '.join(TASK_STATUSES)}")
    tasks = Task.objects.filter(owner=owner)
    if status != "all":
        tasks = tasks.filter(completed=status == "completed")
    if search:
        tasks = tasks.filter(title__icontains=search) | tasks.filter(description__icontains=search)
    if due is not None:
        if due not in DUE_FILTERS:
            raise ValueError(f"due must be one of {', '.join(DUE_FILTERS)}")
        if today is None:
            raise ValueError("a due filter needs the user's today")
        tasks = _filter_due(tasks, due, today)
    return tasks


def task_get(*, owner: AbstractBaseUser, task_id: object) -> Task:
    """The owner's task with this id, or TaskNotFound (also for ids that are not integers)."""
    try:
        return Task.objects.get(owner=owner, pk=int(task_id))
    except (Task.DoesNotExist, TypeError, ValueError):
        raise TaskNotFound(task_id) from None
