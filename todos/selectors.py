"""Task reads. Every read is scoped to an owner: another user's task does not exist."""

from datetime import date, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from todos.models import Task, TaskList
from todos.search import contains_any_case

TASK_STATUSES = ("all", "pending", "completed")
DUE_FILTERS = ("today", "tomorrow", "overdue", "week", "next_week", "none")
WEEK_DAYS = 7  # `week`: today and the 6 days after it


class TaskNotFound(Exception):
    def __init__(self, task_id: object):
        super().__init__(f"Task {task_id} not found")
        self.task_id = task_id


class TaskNumberNotFound(TaskNotFound):
    """No task with this number among the user's (the assistant's and people's `#3`)."""

    def __init__(self, number: object):
        Exception.__init__(self, f"You have no task #{number}.")
        self.task_id = number


def _filter_due(tasks: QuerySet[Task], due: str, today: date) -> QuerySet[Task]:
    if due == "today":
        return tasks.filter(due_date=today)
    if due == "tomorrow":
        return tasks.filter(due_date=today + timedelta(days=1))
    if due == "next_week":  # Monday to Sunday of the next calendar week
        monday = today + timedelta(days=WEEK_DAYS - today.weekday())
        return tasks.filter(due_date__range=(monday, monday + timedelta(days=WEEK_DAYS - 1)))
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
    task_list: TaskList | None = None,
    priority: int | None = None,
    number: int | None = None,
) -> QuerySet[Task]:
    """The owner's tasks: pending first, then by priority, then by due date (undated last),
    then newest.

    `status` is one of TASK_STATUSES; `due`, one of DUE_FILTERS, counts from `today`, the
    user's local date (required with `due`). `search` looks in titles and descriptions in any
    case; `task_list`, `priority` and `number` narrow to that list, priority or number.
    """
    if status not in TASK_STATUSES:
        raise ValueError(f"status must be one of {', '.join(TASK_STATUSES)}")
    tasks = Task.objects.filter(owner=owner)
    if status != "all":
        tasks = tasks.filter(completed=status == "completed")
    if search:
        tasks = tasks.filter(contains_any_case(["title", "description"], search))
    if task_list is not None:
        tasks = tasks.filter(list=task_list)
    if priority is not None:
        tasks = tasks.filter(priority=priority)
    if number is not None:
        tasks = tasks.filter(number=number)
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


def task_by_number(*, owner: AbstractBaseUser, number: object) -> Task:
    """The owner's task #`number`, or TaskNumberNotFound (also for a number that is not one)."""
    try:
        return Task.objects.get(owner=owner, number=int(number))
    except (Task.DoesNotExist, TypeError, ValueError):
        raise TaskNumberNotFound(number) from None


def tasks_by_numbers(*, owner: AbstractBaseUser, numbers: list[int]) -> list[Task]:
    """The owner's tasks with these numbers, in that order; TaskNumberNotFound names the first
    number that is not the owner's."""
    found = {task.number: task for task in Task.objects.filter(owner=owner, number__in=numbers)}
    for number in numbers:
        if number not in found:
            raise TaskNumberNotFound(number)
    return [found[number] for number in dict.fromkeys(numbers)]
