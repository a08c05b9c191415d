"""Task reads. Every read is scoped to an owner: another user's task does not exist."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from todos.models import Task

TASK_STATUSES = ("all", "pending", "completed")


class TaskNotFound(Exception):
    def __init__(self, task_id: object):
        super().__init__(f"Task {task_id} not found")
        self.task_id = task_id


def task_list(*, owner: AbstractBaseUser, status: str = "all", search: str = "") -> QuerySet[Task]:
    """The owner's tasks, pending first then newest; `status` is one of TASK_STATUSES."""
    if status not in TASK_STATUSES:
        raise ValueError(f"status must be one of {', '.join(TASK_STATUSES)}")
    tasks = Task.objects.filter(owner=owner)
    if status != "all":
        tasks = tasks.filter(completed=status == "completed")
    if search:
        tasks = tasks.filter(title__icontains=search) | tasks.filter(description__icontains=search)
    return tasks


def task_get(*, owner: AbstractBaseUser, task_id: object) -> Task:
    """The owner's task with this id, or TaskNotFound (also for ids that are not integers)."""
    try:
        return Task.objects.get(owner=owner, pk=int(task_id))
    except (Task.DoesNotExist, TypeError, ValueError):
        raise TaskNotFound(task_id) from None
